"""The JSON API under /api/v1 (flask-smorest, documented in /api/openapi.json and on /api/docs)."""
from __future__ import annotations

from . import conversations, docs, insights, match, offers, plans


def blueprints():
    docs.attach(offers.blp)
    return [offers.blp, match.blp, plans.blp, conversations.blp, insights.blp]
