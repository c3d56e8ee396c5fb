"""Security incidents and the 72-hour breach-notification workflow (GDPR Art. 33/34).

``record`` keeps the incident record, ``lifecycle`` its status, ``clock`` the deadline,
``escalation`` the beat job's marks, ``drafts``/``notifications``/``documents`` the
notifications, ``register`` the Art. 33(5) breach register. See docs/incidents.md.
"""
