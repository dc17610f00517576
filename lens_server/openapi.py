"""Writes the REST API's OpenAPI schema: ``python -m lens_server.openapi > docs/api/openapi.json``.
A test compares the checked-in file with the live schema, so the document cannot drift."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from lens_server.app import create_app
from lens_server.config import Settings


def schema_text() -> str:
    schema = create_app(Settings(data_dir=Path("/nonexistent"))).openapi()
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(schema_text())
