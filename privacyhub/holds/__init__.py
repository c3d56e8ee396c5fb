"""Legal holds: placing and releasing them, testing product rows against them, and what they do
to erasure requests (report ``held``, then wait or complete partially) and retention runs.

``docs/retention.md`` documents the rules.
"""
