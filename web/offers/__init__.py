"""Caseworkers browse the catalogue: /offers with filters, and each offer's page."""
from flask import Blueprint

bp = Blueprint("offers", __name__, url_prefix="/offers")


@bp.get("/")
def index():
    return "offers"
