"""Security headers on every response, via Flask-Talisman.

Scripts run only from our own origin or with the per-response nonce; no page may be framed.
"""

from __future__ import annotations

from flask import Flask
from flask_talisman import Talisman

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}

# The offline API docs page, with its one inline script carrying the CSP nonce.
SWAGGER_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><title>PrivacyHub API</title>
<link rel="stylesheet" type="text/css" href="swagger/css/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="swagger/js/swagger-ui-bundle.js"></script>
<script src="swagger/js/swagger-ui-standalone-preset.js"></script>
<script nonce="{{ csp_nonce() }}">
window.onload = function () {
  window.ui = SwaggerUIBundle({url: new URL("{{ doc_url }}", window.location.href).href,
    dom_id: "#swagger-ui", deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout"});
};
</script></body></html>"""

talisman = Talisman()


def init_security_headers(app: Flask) -> None:
    """CSP with nonces, frame denial, nosniff, referrer policy; HSTS and secure cookies behind https."""
    https = app.config["PRIVACYHUB_BASE_URL"].startswith("https://")
    app.config.setdefault("SWAGGER_HTML_STRING", SWAGGER_HTML)
    talisman.init_app(
        app,
        force_https=False,
        strict_transport_security=https,
        session_cookie_secure=https,
        session_cookie_http_only=True,
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        x_content_type_options=True,
    )
    app.config.update(SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SECURE=https)
