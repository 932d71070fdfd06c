"""One commit per request, in one place, after the view has answered.

Use cases flush and never commit, so a view that calls two of them cannot leave
the first one's changes saved when the second refuses (a step saved without its
invalid template was the bug that made this rule). The request commits once
here when it succeeded: a status below 400 and no domain error raised on the
way, even one the view caught to show a message. Anything else rolls back.

Commands and scheduler jobs commit themselves (they are not requests); long jobs
and imports commit per batch so that a SQLite write lock is never held for
minutes while debtors pay.
"""

from __future__ import annotations

from flask import Flask, Response

from portal.extensions import db
from portal.services import errors


def init_app(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_discard_on_error)


def _begin() -> None:
    errors.reset_refusal()


def _finish(response: Response) -> Response:
    if response.status_code < 400 and not errors.refused():
        db.session.commit()
    else:
        db.session.rollback()
    return response


def _discard_on_error(exc: BaseException | None) -> None:
    if exc is not None:
        db.session.rollback()
