"""The JSON API under /api/v1 (flask-smorest, documented in /api/openapi.json and on /api/docs)."""


def blueprints():
    from . import docs, insights, match, offers, plans

    found = [offers.blp, match.blp, plans.blp, insights.blp]
    try:
        from .conversations import blp as conversations_blp
    except ImportError as exc:
        if exc.name != "web.api.conversations":  # a broken module must not pass silently
            raise
    else:
        found.append(conversations_blp)
    docs.attach(offers.blp)
    return found
