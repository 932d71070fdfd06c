"""Ids out of any possible range answer 404, never an error from the database.

An integer column holds at most 2**31 - 1 on PostgreSQL, and SQLite cannot
bind a Python int beyond 2**63: a hand-edited URL or form with a longer id
must read as "no such thing". Path ids go through the `int` converter, bounded
here; ids in query strings and forms (fields named `invoice`, `line`, `page`
or `…_id`) are checked before any view runs.

Likewise a NUL character, which no PostgreSQL text column or parameter can
hold (SQLite can): anywhere in a query string or form it answers 400, the
"bad request" page, before a search or a form could send it to the database.
"""

from __future__ import annotations

import re

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
ID_FIELD = re.compile(r"invoice|line|page|.*_id")
INTEGER = re.compile(r"\s*[+-]?0*([0-9]+)\s*")
#: Bodies these endpoints read themselves (a signed webhook): never parsed here.
UNCHECKED_BLUEPRINTS = {"webhooks"}


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` that matches 0 to MAX_ID only: a longer id is an unknown URL (404)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Before any blueprint: rules pick their converter when they are added."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_impossible_values)


def out_of_range(value: str) -> bool:
    match = INTEGER.fullmatch(value)
    if match is None:
        return False
    digits = match.group(1)
    return len(digits) > len(str(MAX_ID)) or int(digits) > MAX_ID


def refuse_impossible_values() -> None:
    if request.blueprint in UNCHECKED_BLUEPRINTS:
        return
    sources = [request.args]
    if request.method == "POST" and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        sources.append(request.form)
    for source in sources:
        for name, value in source.items(multi=True):
            if "\x00" in name or "\x00" in value:
                abort(400)
            if ID_FIELD.fullmatch(name) and out_of_range(value):
                abort(404)
