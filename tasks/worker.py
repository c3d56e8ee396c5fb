"""Celery entry point: ``celery -A tasks.worker worker`` / ``celery -A tasks.worker beat``."""

from privacyhub import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
