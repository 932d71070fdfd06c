"""Error pages that look like the rest of the portal, in the visitor's language."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError


def init_app(app: Flask) -> None:
    def page(status: int):
        def handler(error):
            return render_template("errors/error.html", status=status, error=error), status

        return handler

    for status in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(status, page(status))
    app.register_error_handler(CSRFError, page(400))
