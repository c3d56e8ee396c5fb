"""The self-service privacy portal at ``/privacy/``: file a request, confirm it, follow it.

Server-rendered, works without JavaScript, CSRF-protected (app-wide ``CSRFProtect``) and
rate-limited per IP and per e-mail address. No page says whether an address is known.
"""

from privacyhub.portal.views import bp

__all__ = ["bp"]
