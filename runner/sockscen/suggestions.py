"""'Did you mean ...?': the nearest known word to a misspelt one, for problem hints."""

from __future__ import annotations

from collections.abc import Iterable


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """``did you mean 'X'?`` for the closest of *choices* to *word*, or None when none is close."""
    import difflib  # only when a problem is reported: keeps it off the start-up path

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
