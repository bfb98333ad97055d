"""Security headers on every response, the session cookie's flags, and the proxies whose headers we trust."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

# The pages load their scripts from /pages/static and run no inline script; nothing may frame them. Inline style
# attributes stay allowed (a chart's bar widths): escaping keeps injected markup out, and styles run no code.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "same-origin", "Cross-Origin-Opener-Policy": "same-origin"}


def init_app(app: Flask) -> None:
    """Cookie flags and the session lifetime from the settings; the headers hook; ProxyFix when configured."""
    config = app.config["MODERATION"]
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SECURE"] = bool(config["cookie_secure"])
    app.config["SESSION_COOKIE_SAMESITE"] = config["cookie_samesite"]
    # The signed cookie's own expiry; the session also checks its sign-in time against the same lifetime.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=float(config["session_hours"]))
    headers = dict(HEADERS)
    if config["cookie_secure"]:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    hops = int(config["proxy_hops"])
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
