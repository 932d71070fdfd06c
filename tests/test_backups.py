"""`portal backup` and `portal restore`: an archive restored into a fresh portal finds everything."""

from __future__ import annotations

import io
import json
import stat
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from portal import create_app
from portal import scheduler as portal_scheduler
from portal.extensions import db
from portal.models import Customer, Invoice, User
from portal.services import heartbeat
from portal.services.backups import archive

from .conftest import NOW, USING_POSTGRES, _base_config, empty_side_database
from .factories import make_customer, make_invoice, make_organisation, make_user

LOGO = b"\x89PNG\r\n\x1a\n a logo that must come back byte for byte"


@pytest.fixture
def populated(app):
    """An organisation, two users, customers with invoices, and files in the instance folder."""
    make_organisation()
    make_user()
    make_user("collector@example.com", role="collector")
    for name in ("Béranger SA", "Brightwell Ltd"):
        customer = make_customer(name=name)
        make_invoice(customer, amount="1234.56")
        make_invoice(customer, amount="0.01")
    uploads = Path(app.instance_path) / "uploads"
    uploads.mkdir(exist_ok=True)
    (uploads / "logo.png").write_bytes(LOGO)
    (Path(app.instance_path) / "secret_key").write_text("k" * 64)
    (Path(app.instance_path) / "imports").mkdir(exist_ok=True)
    (Path(app.instance_path) / "imports" / "stash.csv").write_text("temporary")
    db.session.commit()
    return app


@pytest.fixture
def fresh_database_url(tmp_path) -> str:
    """An empty database of the suite's kind, as a new server would have."""
    if not USING_POSTGRES:
        return f"sqlite:///{tmp_path / 'restored' / 'portal.db'}"
    return empty_side_database("restore")


def _backup(runner, *args: str) -> Path:
    result = runner.invoke(args=["backup", *args])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("Backup written: ")
    return Path(first.removeprefix("Backup written: "))


def _fresh_app(tmp_path, monkeypatch, url):
    instance = tmp_path / "restored-instance"
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(instance))
    return create_app(_base_config(instance, url))


def test_a_backup_restored_into_a_fresh_portal_finds_everything(
    populated, runner, tmp_path, monkeypatch, fresh_database_url
):
    secret_key = (Path(populated.instance_path) / "secret_key").read_bytes()
    path = _backup(runner)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    manifest = archive.read_manifest(path)
    assert manifest.tables["customers"] == 2
    assert manifest.tables["invoices"] == 4
    assert "instance/uploads/logo.png" in manifest.files
    assert not any(name.startswith("instance/imports/") for name in manifest.files)
    assert not any(name.startswith("instance/backups/") for name in manifest.files)

    restored = _fresh_app(tmp_path, monkeypatch, fresh_database_url)
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(path)])
        assert result.exit_code == 0, result.output
        assert "all match the backup" in result.output
        db.session.remove()
        assert sorted(c.name for c in db.session.query(Customer)) == [
            "Brightwell Ltd",
            "Béranger SA",
        ]
        totals = sorted(i.total_cents for i in db.session.query(Invoice))
        assert totals == [1, 1, 148147, 148147]
        assert {u.email for u in db.session.query(User)} == {
            "owner@example.com",
            "collector@example.com",
        }
        db.session.remove()
        db.engine.dispose()
    instance = Path(restored.instance_path)
    assert (instance / "uploads" / "logo.png").read_bytes() == LOGO
    assert (instance / "secret_key").read_bytes() == secret_key


def test_restore_refuses_a_database_that_holds_data_and_changes_nothing(populated, runner):
    path = _backup(runner)
    make_customer(name="Added after the backup")
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 1
    assert "already holds data" in result.output
    db.session.expire_all()
    assert db.session.query(Customer).count() == 3


def test_restore_with_overwrite_goes_back_to_the_backup(populated, runner):
    path = _backup(runner)
    make_customer(name="Added after the backup")
    db.session.remove()
    result = runner.invoke(args=["restore", str(path), "--overwrite"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert db.session.query(Customer).count() == 2


def test_a_damaged_archive_is_refused(populated, runner, tmp_path, monkeypatch, fresh_database_url):
    path = _backup(runner)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(path) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "instance/uploads/logo.png":
                data = data.replace(b"logo", b"LOGO")
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    restored = _fresh_app(tmp_path, monkeypatch, fresh_database_url)
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(damaged)])
        db.engine.dispose()
    assert result.exit_code == 1
    assert "damaged" in result.output


def test_a_file_that_is_not_a_backup_is_refused(app, runner, tmp_path):
    bogus = tmp_path / "notes.tar.gz"
    bogus.write_text("not an archive")
    result = runner.invoke(args=["restore", str(bogus)])
    assert result.exit_code == 1
    assert "is not a portal backup" in result.output


def test_a_backup_of_the_other_database_kind_is_refused(populated, runner, tmp_path):
    path = _backup(runner)
    other = "sqlite" if USING_POSTGRES else "postgresql"
    relabelled = tmp_path / "portal-backup-20261120T030000Z.tar.gz"
    with tarfile.open(path) as source, tarfile.open(relabelled, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == archive.MANIFEST:
                content = json.loads(data)
                content["database_kind"] = other
                data = json.dumps(content).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    result = runner.invoke(args=["restore", str(relabelled), "--overwrite"])
    assert result.exit_code == 1
    assert f"holds a {other} database" in result.output


def test_the_backup_is_recorded_for_the_footer(populated, runner, client, auth):
    _backup(runner)
    auth.login()
    page = client.get("/").get_data(as_text=True)
    assert 'id="backup-status"' in page
    assert "Dernière sauvegarde le" in page
    assert "footer-warning" not in page


def test_the_footer_warns_when_no_backup_was_ever_taken(app, client, logged_in):
    page = client.get("/").get_data(as_text=True)
    assert "Aucune sauvegarde n’a encore été faite." in page


def test_the_scheduler_takes_one_backup_a_day(populated, monkeypatch):
    populated.config["BACKUP_SCHEDULED"] = True
    monkeypatch.setattr(portal_scheduler, "JOBS", (("backup", portal_scheduler.backup_job),))
    first = portal_scheduler.run_once(populated)
    assert first.startswith("backup: portal-backup-")
    assert portal_scheduler.run_once(populated) == ""
    folder = Path(populated.instance_path) / "backups"
    assert len(archive.existing(folder)) == 1
    db.session.expire_all()
    assert heartbeat.status(NOW, name=heartbeat.BACKUP).last_run_at is not None


def test_the_scheduler_applies_retention(populated, monkeypatch):
    populated.config.update(BACKUP_SCHEDULED=True, BACKUP_KEEP_DAILY=2, BACKUP_KEEP_WEEKLY=1)
    folder = Path(populated.instance_path) / "backups"
    folder.mkdir()
    for days in (1, 2, 3, 20):
        when = NOW - timedelta(days=days)
        (folder / f"portal-backup-{when:%Y%m%dT%H%M%SZ}.tar.gz").write_bytes(b"old")
    (folder / "notes.txt").write_text("not a backup: never touched")
    monkeypatch.setattr(portal_scheduler, "JOBS", (("backup", portal_scheduler.backup_job),))
    assert "3 old backup(s) removed" in portal_scheduler.run_once(populated)
    kept = [backup.taken_at for backup in archive.existing(folder)]
    assert kept == [NOW - timedelta(days=1), NOW.astimezone(UTC)]
    assert (folder / "notes.txt").exists()


def test_backup_names_follow_the_real_clock_not_a_demo_day(populated, runner):
    populated.config["TODAY"] = "2026-01-15"
    path = _backup(runner)
    assert archive.taken_at(path) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
