"""The official HSDS 3.0 JSON schemas (web/hsds_schema) as jsonschema validators.

Each schema file is registered under its upstream URL, so the relative `$ref`s between the files ("phone.json")
and the OpenAPI document's absolute refs resolve offline.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from functools import cache, lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "hsds_schema"
BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


def _format_checker() -> FormatChecker:
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _datetime(value) -> bool:
        if not isinstance(value, str):
            return True
        if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", value):
            return False
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True

    @checker.checks("date", raises=ValueError)
    def _date(value) -> bool:
        return not isinstance(value, str) or bool(date.fromisoformat(value)) and len(value) == 10

    @checker.checks("time", raises=ValueError)
    def _time(value) -> bool:
        return not isinstance(value, str) or bool(time.fromisoformat(value.replace("Z", "+00:00")))

    @checker.checks("uri")
    def _uri(value) -> bool:
        return not isinstance(value, str) or bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$", value))

    return checker


@lru_cache(maxsize=1)
def registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.rglob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        uri = BASE + path.relative_to(SCHEMA_DIR).as_posix()
        if "paths" not in contents:
            contents = {"$id": uri, **contents}  # so the files' relative refs resolve against their own URL
        resources.append((uri, Resource.from_contents(contents, default_specification=DRAFT202012)))
    # The OpenAPI document refers to the fully compiled service/organization schemas (2-3 MB, not shipped);
    # the per-object files describe the same objects, so they stand in for them.
    for name in ("service", "organization", "service_at_location"):
        alias = {"$id": f"{BASE}compiled/{name}.json", "$ref": f"{BASE}{name}.json"}
        resources.append((alias["$id"], Resource.from_contents(alias, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


def _validator(schema: dict) -> Draft202012Validator:
    return Draft202012Validator(schema, registry=registry(), format_checker=_format_checker())


@cache
def object_validator(name: str) -> Draft202012Validator:
    """Validator for one HSDS object, e.g. "service", "organization", "taxonomy_term",
    "compiled/service_list" (one item of GET /services)."""
    return _validator({"$ref": f"{BASE}{name}.json"})


@lru_cache(maxsize=1)
def page_validator() -> Draft202012Validator:
    """The paging envelope: #/components/schemas/Page of the HSDS OpenAPI document, with every member required."""
    page = {"$ref": f"{BASE}openapi.json#/components/schemas/Page"}
    required = ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty",
                "contents"]
    return _validator({"allOf": [page], "required": required,
                       "properties": {"contents": {"type": "array"}}})


def response_validator(path: str, method: str = "get") -> Draft202012Validator:
    """The 200 response schema the HSDS OpenAPI document gives for `path` (e.g. "/services/{id}")."""
    return _validator({"$ref": f"{BASE}openapi.json#/paths/{_escape(path)}/{method}/responses/200/content/"
                               f"application~1json/schema"})


def _escape(pointer_part: str) -> str:
    return pointer_part.replace("~", "~0").replace("/", "~1").replace("{", "%7B").replace("}", "%7D")


def errors(validator: Draft202012Validator, instance) -> list[str]:
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(rod)'}: {e.message}"
            for e in validator.iter_errors(instance)]
