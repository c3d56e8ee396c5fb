"""The audit log: schemas, ingest, query, sealing, proofs, erasure and retention."""

HUB_SOURCE = "privacyhub"  # the ``source`` of the events the hub records about itself
