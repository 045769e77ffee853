"""civilmatch matching engine: a pure library (no Flask, no SQLAlchemy, no catalog import).

    engine = MatchEngine()
    engine.rebuild(records); engine.upsert(record); engine.remove(offer_id)
    need = engine.understand(text); result = engine.search(need, limit=10)
    result = engine.match(text, limit=10, municipality=None, child_ages=None, formats=None)
"""
from .engine import MatchEngine
from .models import ConceptHit, Hit, MatchResult, Need
from .understand import understand

__all__ = ["MatchEngine", "Need", "ConceptHit", "Hit", "MatchResult", "understand"]
