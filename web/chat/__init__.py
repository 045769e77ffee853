"""The caseworker's conversation."""
from flask import Blueprint

bp = Blueprint("chat", __name__, url_prefix="/chat")


@bp.get("/")
def index():
    return "chat"
