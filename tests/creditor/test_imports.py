"""Importing a CSV file from the dashboard: within a time limit, and no copy left behind."""

from __future__ import annotations

import io
import os
import re

from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import Customer
from portal.services.audit import Actor
from portal.services.imports.importer import import_csv

from ..conftest import NOW

HEADER = "ref,name,email\n"


def customers_csv(count: int) -> bytes:
    rows = "".join(f"C{n:06d},Client {n},client{n}@example.com\n" for n in range(count))
    return (HEADER + rows).encode()


def stashed(app) -> list[str]:
    folder = os.path.join(app.instance_path, "imports")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def preview(client, data: bytes, name: str = "clients.csv"):
    return client.post(
        "/import/preview",
        data={"kind": "customers", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def token_of(page: str) -> str:
    return re.search(r'name="token"[^>]*value="([^"]+)"', page).group(1)


def customers() -> int:
    return db.session.scalar(select(func.count()).select_from(Customer))


def test_the_copy_is_removed_once_confirmed(app, logged_in, client):
    shown = preview(client, customers_csv(3))
    assert shown.status_code == 200 and len(stashed(app)) == 1
    token = token_of(shown.get_data(as_text=True))
    done = client.post("/import/confirm", data={"kind": "customers", "token": token})
    assert done.status_code == 303 and customers() == 3
    assert stashed(app) == []


def test_a_refused_file_leaves_no_copy(app, logged_in, client):
    assert preview(client, b"name\nno ref column\n").status_code == 422
    assert stashed(app) == []


def test_an_abandoned_preview_is_removed_at_once(app, logged_in, client):
    first = token_of(preview(client, customers_csv(2)).get_data(as_text=True))
    assert stashed(app) == [f"{first}.csv"]
    second = token_of(preview(client, customers_csv(4)).get_data(as_text=True))
    assert stashed(app) == [f"{second}.csv"]  # another upload replaced it
    assert client.get("/import").status_code == 200
    assert stashed(app) == []  # back to the upload page: the preview is abandoned
    expired = client.post("/import/confirm", data={"kind": "customers", "token": second})
    assert expired.status_code == 303 and expired.location.endswith("/import")
    assert customers() == 0


def test_an_expired_preview_is_refused_and_removed(app, logged_in, client):
    token = token_of(preview(client, customers_csv(2)).get_data(as_text=True))
    path = os.path.join(app.instance_path, "imports", f"{token}.csv")
    hour_ago = clock.now().timestamp() - app.config["IMPORT_PREVIEW_MAX_AGE_SECONDS"] - 1
    os.utime(path, (hour_ago, hour_ago))
    response = client.post("/import/confirm", data={"kind": "customers", "token": token})
    assert response.status_code == 303 and response.location.endswith("/import")
    assert stashed(app) == [] and customers() == 0


def test_a_file_too_slow_to_import_stops_with_a_clear_error(app, logged_in, client):
    app.config["IMPORT_TIME_LIMIT_SECONDS"] = 0
    with client.session_transaction() as session:
        session["lang"] = "en"
    response = preview(client, customers_csv(2500))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "too large to import within 0 seconds" in page and "portal import" in page
    assert stashed(app) == [] and customers() == 0


def test_the_command_line_has_no_time_limit(app):
    result = import_csv("customers", io.BytesIO(customers_csv(2500)), actor=Actor.cli(), now=NOW)
    assert result.ok and result.created == 2500
