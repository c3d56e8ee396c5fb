"""Dataset annotations: what a product system's tables hold and how their rows reach each other.

``annotation`` parses Fides dataset YAML (with our ``privacyhub:`` keys), ``schema`` is
the shape of a live database, and ``graph`` joins both into the reference graph the
planner walks. ``docs/fulfilment.md`` documents every key.
"""
