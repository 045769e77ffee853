"""Admins: verify organisations, manage users, review element levels."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
def dashboard():
    return "admin"
