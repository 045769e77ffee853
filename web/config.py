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
        "AUTO_MIGRATE": env("CIVILMATCH_AUTO_MIGRATE", "0") == "1",
        # catalogue freshness (catalog/freshness.py) and mail (catalog/mail.py)
        "STALE_MONTHS": int(env("CIVILMATCH_STALE_MONTHS", "12")),
        "HIDDEN_MONTHS": int(env("CIVILMATCH_HIDDEN_MONTHS", "18")),
        "REMIND_MONTHS": int(env("CIVILMATCH_REMIND_MONTHS", "11")),
        "SMTP_URL": env("CIVILMATCH_SMTP_URL") or None,
        "MAIL_FROM": env("CIVILMATCH_MAIL_FROM", "civilmatch <noreply@civilmatch.dk>"),
        "BASE_URL": env("CIVILMATCH_BASE_URL", "http://127.0.0.1:5000"),
        "INSIGHTS_PUBLIC": env("CIVILMATCH_INSIGHTS_PUBLIC", "0") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        # A municipal intranet on another site frames /embed: the session cookie must then travel cross-site
        # (SameSite=None needs Secure, i.e. HTTPS). CSRF tokens still protect every form.
        "SESSION_COOKIE_SAMESITE": "None" if embed_origins else "Lax",
        # Outside development the session cookie only travels over HTTPS.
        "SESSION_COOKIE_SECURE": bool(embed_origins) or env("CIVILMATCH_ENV", "production") != "development",
        "REMEMBER_COOKIE_SECURE": env("CIVILMATCH_ENV", "production") != "development",
        "HSTS_SECONDS": int(env("CIVILMATCH_HSTS_SECONDS", "0") or 0),
        # No form or JSON body the service takes comes near 1 MB; larger ones are refused with 413.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        # Rate limits: Retry-After and X-RateLimit-* on answers; if Redis fails, count in memory rather than 500.
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_ANONYMOUS": env("CIVILMATCH_RATELIMIT_ANONYMOUS", "120 per minute"),
        # Database: fail fast instead of hanging a worker (seconds / milliseconds).
        "DB_CONNECT_TIMEOUT": int(env("CIVILMATCH_DB_CONNECT_TIMEOUT", "5")),
        "DB_STATEMENT_TIMEOUT_MS": int(env("CIVILMATCH_DB_STATEMENT_TIMEOUT_MS", "5000")),
        "WTF_CSRF_TIME_LIMIT": None,
        "JSON_SORT_KEYS": False,
        # flask-smorest / OpenAPI
        "API_TITLE": "civilmatch API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
