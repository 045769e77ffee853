"""HTTP helpers every blueprint may use (blueprints never import each other): the one way to build a JSON
error answer, and the rate-limit key for token-authenticated endpoints."""
from __future__ import annotations

import hashlib

from flask import Response, jsonify, request
from werkzeug.http import HTTP_STATUS_CODES

from catalog.messages import INVALID_DATA


def error_response(status: int, message: str, errors: dict | None = None, **extra) -> Response:
    """{"code", "status", "message", "errors": {field path: [Danish messages]}, ...extra} with that status.

    Never put the request's own values in `message` or `errors`: a need text must not be echoed."""
    body = {"code": status, "status": HTTP_STATUS_CODES.get(status, ""), "message": message}
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    return response


def invalid(errors: dict[str, list[str]]) -> Response:
    """422 "Data kunne ikke valideres." with Danish messages under field paths."""
    return error_response(422, INVALID_DATA, errors)


def rate_key() -> str:
    """Per token (a hash of the bearer string, never the token itself); per address without one."""
    header = request.headers.get("Authorization", "")
    if header:
        return "tok:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return "ip:" + (request.remote_addr or "-")
