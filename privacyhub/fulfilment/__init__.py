"""Fulfilling data-subject requests against product systems: plan, then export, erase or rectify.

Everything here works from a plain ``SubjectJob`` (identities, request type, corrections)
against an SQLAlchemy connection and a ``DatasetGraph``; it knows nothing of HTTP or Celery.
"""
