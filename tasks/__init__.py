"""The Celery app, wired the Flask way: every task runs inside an app context."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask, has_app_context

# Modules whose tasks the worker registers; the web tier sends tasks by name only.
TASK_MODULES = ["tasks.audit", "tasks.requests", "tasks.incidents", "tasks.fulfilment", "tasks.retention"]


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for a Flask app and store it in ``app.extensions["celery"]``."""

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            # Eager tasks in tests already run inside the caller's context; do not push another.
            if has_app_context():
                return self.run(*args, **kwargs)
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.conf.imports = TASK_MODULES
    celery_app.conf.beat_schedule = app.config.get("CELERY_BEAT_SCHEDULE", {})
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
