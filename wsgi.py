"""WSGI entry point: ``gunicorn wsgi:app``."""

from privacyhub import create_app

app = create_app()
