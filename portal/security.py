"""HTTP response headers that hold for every page.

A strict Content-Security-Policy is possible because there is no inline script
or style anywhere: htmx is configured with allowEval false and its indicator
styles off (see base.html). HSTS is sent only on a request that came over
HTTPS (directly, or through a trusted proxy's X-Forwarded-Proto): on plain
HTTP it would be ignored, and in a trial on 127.0.0.1 it would be wrong.
"""

from __future__ import annotations

from flask import Flask, Response, request

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def init_app(app: Flask) -> None:
    hsts_seconds = int(app.config["HSTS_SECONDS"])

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure and hsts_seconds:
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={hsts_seconds}; includeSubDomains"
            )
        return response
