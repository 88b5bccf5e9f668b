"""The API's contract as clients see it: every path, its operations, what each takes and
answers, compared with the committed snapshot ``tests/snapshots/api_schema.json``.

A change to the API shows up here as a diff to review. When the change is meant, write the
snapshot again: ``UPDATE_API_SNAPSHOT=1 make test ARGS="tests/test_api_schema.py"``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from drf_spectacular.generators import SchemaGenerator

SNAPSHOT = Path(__file__).parent / "snapshots" / "api_schema.json"


def _ref(content: dict[str, Any] | None) -> dict[str, Any]:
    """Media type → the schema each takes or answers (a component reference, or its type)."""
    result: dict[str, Any] = {}
    for media, body in sorted((content or {}).items()):
        schema = body.get("schema", {})
        result[media] = schema.get("$ref") or schema.get("type") or sorted(schema)
    return result


def contract() -> dict[str, Any]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths: dict[str, Any] = {}
    for path, operations in sorted(schema["paths"].items()):
        paths[path] = {
            method: {
                "operationId": operation["operationId"],
                "parameters": sorted(
                    f"{parameter['in']}:{parameter['name']}"
                    for parameter in operation.get("parameters", [])
                ),
                "request": _ref(operation.get("requestBody", {}).get("content")),
                "responses": {
                    code: _ref(answer.get("content"))
                    for code, answer in sorted(operation["responses"].items())
                },
            }
            for method, operation in sorted(operations.items())
        }
    components = {
        name: {
            "properties": sorted(component.get("properties", {})),
            "required": sorted(component.get("required", [])),
        }
        for name, component in sorted(schema["components"]["schemas"].items())
    }
    return {"paths": paths, "components": components}


def test_the_api_contract_matches_the_snapshot() -> None:
    current = contract()
    if os.environ.get("UPDATE_API_SNAPSHOT"):
        SNAPSHOT.write_text(
            json.dumps(current, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
            encoding="utf-8",
        )
    assert current == json.loads(SNAPSHOT.read_text(encoding="utf-8"))
