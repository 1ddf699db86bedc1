"""The published JSON Schema of results v1, exported from the pydantic models.

Regenerate the committed file after changing ``models.py``: ``python -m divgenbench.results.schema``
(a test fails while the two disagree).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .models import Results

SCHEMA_PATH = Path(__file__).with_name("schema") / "v1.json"
SCHEMA_ID = "https://github.com/divgenbench/divgenbench/blob/main/divgenbench/results/schema/v1.json"


def results_json_schema() -> dict:
    schema = Results.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def schema_text() -> str:
    return json.dumps(results_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schema file (or with ``--check``, exit 1 when it is stale)."""
    argv = sys.argv[1:] if argv is None else argv
    current = SCHEMA_PATH.read_text() if SCHEMA_PATH.exists() else ""
    if "--check" in argv:
        if current != schema_text():
            print(f"{SCHEMA_PATH} is stale: run `python -m divgenbench.results.schema`", file=sys.stderr)
            return 1
        return 0
    SCHEMA_PATH.write_text(schema_text())
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
