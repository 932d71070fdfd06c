"""The creditor's logo: uploaded in the settings, shown on debtor pages."""

import io

from portal.models import AuditEvent

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_upload_show_and_remove_logo(client, logged_in, app):
    from portal.extensions import db
    from portal.services import organisation

    assert client.get("/logo").status_code == 404
    response = client.post(
        "/settings/logo",
        data={"action": "upload", "logo": (io.BytesIO(PNG), "logo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert organisation.get().logo_filename.endswith(".png")
    logo = client.get("/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.data == PNG
    assert db.session.query(AuditEvent).filter_by(action="organisation.logo_changed").count() == 1

    client.post("/settings/logo", data={"action": "remove"})
    assert organisation.get().logo_filename == "" and client.get("/logo").status_code == 404


def test_disguised_or_pdf_logo_is_refused(client, logged_in, app):
    from portal.services import organisation

    for data, name in ((b"<html>not an image</html>", "logo.png"), (b"%PDF-1.7 ...", "logo.pdf")):
        client.post(
            "/settings/logo",
            data={"action": "upload", "logo": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        assert organisation.get().logo_filename == ""


def test_logo_upload_requires_login(client, owner):
    response = client.post("/settings/logo", data={"action": "remove"})
    assert response.status_code == 302 and "/login" in response.location
