"""Audit-log jobs."""
