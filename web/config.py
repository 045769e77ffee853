"""Configuration from the environment (CIVILMATCH_*). No secret has a fixed default."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _secret_key(instance: Path) -> str:
    if os.environ.get("CIVILMATCH_SECRET_KEY"):
        return os.environ["CIVILMATCH_SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def load(instance_path: str) -> dict:
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    env = os.environ.get
    embed_origins = [o for o in env("CIVILMATCH_EMBED_ORIGINS", "").split() if o]
    return {
        "DATABASE_URL": env("CIVILMATCH_DATABASE_URL") or f"sqlite:///{instance / 'civilmatch.db'}",
        "SECRET_KEY": _secret_key(instance),
        "CONVERSATION_RETENTION_HOURS": float(env("CIVILMATCH_CONVERSATION_RETENTION_HOURS", "24")),
        "CONVERSATION_PURGE_MINUTES": float(env("CIVILMATCH_CONVERSATION_PURGE_MINUTES", "5")),
        "EMBED_ALLOWED_ORIGINS": embed_origins,
        "EMBED_PUBLIC": env("CIVILMATCH_EMBED_PUBLIC", "0") == "1",
        "RATELIMIT_STORAGE_URI": env("CIVILMATCH_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": env("CIVILMATCH_RATELIMIT_ENABLED", "1") == "1",
        "AUTO_MIGRATE": env("CIVILMATCH_AUTO_MIGRATE", "1") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        # A municipal intranet on another site frames /embed: the session cookie must then travel cross-site
        # (SameSite=None needs Secure, i.e. HTTPS). CSRF tokens still protect every form.
        "SESSION_COOKIE_SAMESITE": "None" if embed_origins else "Lax",
        "SESSION_COOKIE_SECURE": bool(embed_origins),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "JSON_SORT_KEYS": False,
        # flask-smorest / OpenAPI
        "API_TITLE": "civilmatch API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
