"""Demo Shop: a product database shipped as code, so a new instance has something to fulfil against.

``make run`` (``privacyhub dev``) creates it under ``instance/demo_shop.sqlite`` and
registers it as the data system ``demo-shop`` with its Fides dataset annotation.
"""
