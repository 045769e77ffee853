"""WSGI entry point: `gunicorn -w 4 wsgi:app`."""
from web import create_app

app = create_app()
