"""Data-subject requests: intake, identity verification, deadlines and lifecycle.

Plain domain functions that add to ``db.session`` and never commit; the API, the portal,
the console and the Celery jobs call them and commit once (see docs/requests.md).
"""
