"""The JSON API under /api/v1 (flask-smorest, documented in /api/openapi.json)."""


def blueprints():
    return []
