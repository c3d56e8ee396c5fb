"""Aggregates the console's dashboard and reports are drawn from."""
