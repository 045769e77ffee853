"""The audit log, readable by administrators: who changed which offer, organisation, user, token or review."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from catalog import audit

from ..extensions import db
from ..security import roles_required

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
PER_PAGE = 100


@bp.get("/")
@roles_required("admin")
def index():
    entity = request.args.get("entity") if request.args.get("entity") in audit.ENTITY_LABELS else None
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) <= 10_000 else 1
    entries = audit.recent(db.session, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE, entity=entity)
    return render_template("audit/index.html", entries=entries[:PER_PAGE], has_next=len(entries) > PER_PAGE,
                           page=page, entity=entity, ENTITY_LABELS=audit.ENTITY_LABELS,
                           ACTION_LABELS=audit.ACTION_LABELS)
