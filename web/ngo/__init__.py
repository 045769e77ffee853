"""NGO self-service: sign up, manage offers and their 11-element self-assessment."""
from flask import Blueprint

bp = Blueprint("ngo", __name__, url_prefix="/ngo")


@bp.get("/")
def dashboard():
    return "NGO"


@bp.get("/signup")
def signup():
    return "signup"
