"""The schema can be published: a stable, fetchable $id that the editor docs name."""

from __future__ import annotations

import json
import re

from tests.editor.conftest import SCHEMA

PUBLISHED = "https://raw.githubusercontent.com/sockscen/sockscen/main/schemas/scenario.schema.json"
EDITOR_DOC = SCHEMA.parents[1] / "docs" / "editor.md"


def test_schema_id_is_the_published_address() -> None:
    assert json.loads(SCHEMA.read_text(encoding="utf-8"))["$id"] == PUBLISHED


def test_editor_doc_gives_a_schemastore_entry_for_scn_yaml() -> None:
    doc = EDITOR_DOC.read_text(encoding="utf-8")
    (entry,) = re.findall(r"```json\n(\{\n  \"name\": \"sockscen scenario\".*?)```", doc, re.S)
    catalogue = json.loads(entry)
    assert catalogue["url"] == PUBLISHED
    assert "*.scn.yaml" in catalogue["fileMatch"]
