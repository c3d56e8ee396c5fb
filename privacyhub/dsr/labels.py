"""Plain-language names for types, statuses and denial reasons, shared by mail, portal and console."""

from __future__ import annotations

TYPE_LABELS = {
    "access": "access your personal data",
    "portability": "receive your data in a portable format",
    "rectification": "correct your personal data",
    "erasure": "erase your personal data",
    "restriction": "restrict the processing of your data",
    "objection": "object to the processing of your data",
}

TYPE_TITLES = {
    "access": "Access (Art. 15)",
    "portability": "Portability (Art. 20)",
    "rectification": "Rectification (Art. 16)",
    "erasure": "Erasure (Art. 17)",
    "restriction": "Restriction (Art. 18)",
    "objection": "Objection (Art. 21)",
}

STATUS_LABELS = {
    "identity_unverified": "waiting for e-mail confirmation",
    "pending": "received, waiting to be processed",
    "awaiting_approval": "being reviewed",
    "in_progress": "in progress",
    "completed": "completed",
    "denied": "denied",
    "cancelled": "cancelled",
    "failed": "delayed by a technical problem; we are retrying",
}

DENIAL_LABELS = {
    "identity_not_verified": "we could not verify your identity (Art. 12(6) GDPR)",
    "manifestly_unfounded": "the request is manifestly unfounded (Art. 12(5) GDPR)",
    "excessive": "the request is excessive, in particular because of its repetitive character (Art. 12(5) GDPR)",
    "legal_exemption": "a legal exemption applies (Art. 23 GDPR or national law)",
}

TYPE_HINTS = {
    "access": "Get a copy of the personal data we hold about you and how we use it.",
    "portability": "Receive the data you gave us in a machine-readable format.",
    "rectification": "Have inaccurate data about you corrected.",
    "erasure": "Have your personal data deleted, where the law allows it.",
    "restriction": "Have us stop using your data while a question about it is settled.",
    "objection": "Object to how we use your data, for example for direct marketing.",
}
