"""``sockscen schema``: print the JSON Schema of scenario files."""

from __future__ import annotations

import argparse
import sys

from .exits import EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """Write the schema to stdout, ending with a newline."""
    from ..schema import schema_text

    text = schema_text()
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK
