"""/api/docs: a Danish, server-rendered page made from the OpenAPI document (no CDN, no JavaScript)."""
from __future__ import annotations

import re

from flask import render_template
from markupsafe import Markup, escape

from ..extensions import api as openapi

METHOD_ORDER = ("get", "post", "put", "patch", "delete")
_attached: set[int] = set()


def _ref_name(schema: dict | None) -> str | None:
    if not isinstance(schema, dict):
        return None
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        inner = _ref_name(schema.get("items"))
        return f"liste af {inner}" if inner else "liste"
    return schema.get("type")


def _type(schema: dict | None) -> str:
    if not isinstance(schema, dict):
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "")
    if kind == "array":
        return f"liste af {_type(schema.get('items')) or 'værdier'}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"objekt med {_type(schema['additionalProperties']) or 'værdier'}"
    if schema.get("enum"):
        return f"{kind}: " + ", ".join(map(str, schema["enum"]))
    return kind


def _content_schema(obj: dict | None) -> str | None:
    content = (obj or {}).get("content") or {}
    media = content.get("application/json") or next(iter(content.values()), None)
    return _ref_name((media or {}).get("schema")) if media else None


def _text(value: str | None) -> Markup:
    """Escaped text with `backticks` shown as code."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(value or ""))))


def build_docs(spec: dict) -> dict:
    """The OpenAPI document reshaped for the template."""
    shared_responses = (spec.get("components") or {}).get("responses", {})

    def response(resp: dict) -> dict:
        if "$ref" in resp:
            return shared_responses.get(resp["$ref"].rsplit("/", 1)[-1], {})
        return resp
    global_security = spec.get("security") or []
    operations = []
    for path, item in sorted(spec.get("paths", {}).items()):
        shared = item.get("parameters") or []
        for method in METHOD_ORDER:
            op = item.get(method)
            if not op:
                continue
            params = []
            for p in [*shared, *(op.get("parameters") or [])]:
                schema = p.get("schema") or {}
                params.append({"name": p.get("name"), "in": p.get("in"), "required": bool(p.get("required")),
                               "type": _type(schema), "description": _text(p.get("description")
                                                                              or schema.get("description"))})
            responses = [{"code": "andre" if code == "default" else code,
                          "description": _text("Andre fejl (samme form: code, status, message)."
                                               if code == "default" else response(resp).get("description")),
                          "schema": _content_schema(response(resp))}
                         for code, resp in sorted((op.get("responses") or {}).items())]
            security = op.get("security", global_security)
            operations.append({
                "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", "").strip("-"),
                "method": method.upper(), "path": path, "summary": op.get("summary") or "",
                "description": _text(op.get("description")), "tags": op.get("tags") or [],
                "parameters": params, "request": _content_schema(op.get("requestBody")),
                "request_required": bool((op.get("requestBody") or {}).get("required")),
                "responses": responses,
                "auth": [name for s in security for name in s] if security else [],
            })
    schemas = []
    for name, schema in sorted((spec.get("components") or {}).get("schemas", {}).items()):
        required = set(schema.get("required") or [])
        props = [{"name": prop, "type": _type(sub), "required": prop in required,
                  "read_only": bool(sub.get("readOnly")), "description": _text(sub.get("description"))}
                 for prop, sub in (schema.get("properties") or {}).items()]
        schemas.append({"name": name, "properties": props})
    schemes = (spec.get("components") or {}).get("securitySchemes", {})
    return {"info": spec.get("info", {}), "operations": operations, "schemas": schemas,
            "security_schemes": schemes, "tags": spec.get("tags") or []}


def api_docs():
    return render_template("api/docs.html", docs=build_docs(openapi.spec.to_dict()))


def attach(blp) -> None:
    """Serve /api/docs from the app (outside the blueprint's prefix, and outside the OpenAPI document)."""
    if id(blp) in _attached:
        return
    _attached.add(id(blp))
    blp.record_once(lambda state: state.app.add_url_rule("/api/docs", "api_docs", api_docs))
