"""Retention: policies that say how long a product system keeps what, and the runs that enforce them.

``policies`` checks and stores them, ``targets`` turns one into the collections it acts on
and the rows that are due, ``purge`` acts on one batch, ``runner`` carries a run (or dry
run) through every batch, resumably, and ``report`` shows what a run did. The rules are in
``docs/retention.md``.
"""
