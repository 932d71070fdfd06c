"""The scheduler process: its lock, its jobs and their order, the heartbeat, the dashboard warning.

The dunning pass and outbox delivery are replaced by fakes that record their calls
(their own tests live with their services), except in the last test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import types
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text

from portal import clock, create_app
from portal import scheduler as portal_scheduler
from portal.adapters import scheduler_lock
from portal.extensions import db
from portal.models import SchedulerHeartbeat
from portal.services import heartbeat
from portal.services.dunning import dunning_pass
from portal.services.mail import delivery

from .conftest import USING_POSTGRES

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REAL_DELIVER_DUE = delivery.deliver_due
FROZEN_DAY = date(2026, 11, 23)
ENGLISH = {"Accept-Language": "en"}

#: Run in a child process: the same fakes as below (the pass is slow, so that a second
#: process started at the same time meets the lock), then `portal scheduler --once`.
HARNESS = """
import sys, time, types
from pathlib import Path

calls = Path(sys.argv[1])

def note(name):
    with calls.open("a") as stream:
        stream.write(name + "\\n")

from portal.services.dunning import dunning_pass

def run_pass(now, settings, dry_run=False):
    note("run_pass")
    time.sleep(3)
    return types.SimpleNamespace(
        today=now.date(),
        emails=1,
        tasks=0,
        skipped=0,
        failed=0,
        waiting_for_window=False,
        lines=[],
    )

def deliver_due(now, settings=None):
    note("deliver_due")
    return "1 sent"

from portal.services.mail import delivery

dunning_pass.run_pass = run_pass
delivery.deliver_due = deliver_due

from portal.cli import main
main(["scheduler", "--once"])
"""


@pytest.fixture
def calls(app, monkeypatch) -> list[tuple[str, datetime]]:
    """Fake pass and delivery; the list records (name, now) in call order."""
    recorded: list[tuple[str, datetime]] = []

    def fake_run_pass(now, settings, dry_run=False):
        recorded.append(("run_pass", now))
        return types.SimpleNamespace(
            today=now.date(),
            emails=2,
            tasks=1,
            skipped=3,
            failed=0,
            waiting_for_window=False,
            lines=[],
        )

    def fake_deliver_due(now, settings=None):
        recorded.append(("deliver_due", now))
        return "4 sent, 0 failed"

    monkeypatch.setattr(dunning_pass, "run_pass", fake_run_pass)
    monkeypatch.setattr(delivery, "deliver_due", fake_deliver_due)
    app.config["TODAY"] = FROZEN_DAY
    return recorded


def _lock_for(app) -> scheduler_lock.SchedulerLock:
    return scheduler_lock.for_database(
        app.config["SQLALCHEMY_DATABASE_URI"], Path(app.instance_path)
    )


def _heartbeat() -> SchedulerHeartbeat | None:
    db.session.expire_all()
    return db.session.get(SchedulerHeartbeat, heartbeat.SCHEDULER)


# The lock


def test_file_lock_refuses_a_second_holder_until_released(tmp_path):
    path = tmp_path / "portal.db.scheduler.lock"
    first, second = scheduler_lock.FileLock(path), scheduler_lock.FileLock(path)
    assert first.try_acquire()
    assert not second.try_acquire()
    assert not second.held()
    first.release()
    assert second.try_acquire()
    assert not first.try_acquire()
    second.release()


def test_the_database_lock_refuses_a_second_holder_until_released(app):
    """Advisory lock on PostgreSQL, file lock on SQLite: whichever this suite runs on."""
    first, second = _lock_for(app), _lock_for(app)
    expected = scheduler_lock.AdvisoryLock if USING_POSTGRES else scheduler_lock.FileLock
    assert isinstance(first, expected)
    assert first.try_acquire()
    try:
        assert first.held()
        assert not second.try_acquire()
    finally:
        first.release()
    assert not first.held()
    assert second.try_acquire()
    if USING_POSTGRES:  # a dropped connection (server restart) takes the lock with it
        pid = second._connection.scalar(text("SELECT pg_backend_pid()"))
        db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert not second.held()
        assert first.try_acquire()
        first.release()
    second.release()


def test_a_scheduler_that_lost_its_lock_stops_with_status_1(app, calls):
    class LostLock:
        description = "a lock that was lost"

        def held(self) -> bool:
            return False

    assert portal_scheduler._run_forever(app, LostLock()) == 1
    assert calls == []


def test_the_sqlite_lock_file_sits_beside_the_database(tmp_path):
    lock = scheduler_lock.for_database(f"sqlite:///{tmp_path}/data/portal.db", tmp_path / "inst")
    assert lock.path == tmp_path / "data" / "portal.db.scheduler.lock"
    in_memory = scheduler_lock.for_database("sqlite://", tmp_path / "inst")
    assert in_memory.path == tmp_path / "inst" / "portal.scheduler.lock"
    postgres = scheduler_lock.for_database("postgresql+psycopg://u@127.0.0.1/portal", tmp_path)
    assert isinstance(postgres, scheduler_lock.AdvisoryLock)


# The jobs


def test_once_runs_the_pass_then_delivery_and_records_the_heartbeat(app, runner, calls):
    result = runner.invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    now = clock.now()
    assert calls == [("run_pass", now), ("deliver_due", now)]
    row = _heartbeat()
    assert row is not None and row.last_run_at == now
    assert row.last_result == (
        "reminders: 2 email(s), 1 task(s), 3 skipped; delivery: 4 sent, 0 failed"
    )


def test_a_failing_pass_does_not_stop_delivery_and_the_heartbeat_says_so(app, calls, monkeypatch):
    def broken_pass(now, settings, dry_run=False):
        calls.append(("run_pass", now))
        raise RuntimeError("database on fire")

    monkeypatch.setattr(dunning_pass, "run_pass", broken_pass)
    line = portal_scheduler.run_once(app)
    assert [name for name, _ in calls] == ["run_pass", "deliver_due"]
    assert line == "reminders: failed (RuntimeError); delivery: 4 sent, 0 failed"
    assert _heartbeat().last_result == line


def test_a_mail_configuration_error_is_spelled_out_in_the_heartbeat(app, calls, monkeypatch):
    monkeypatch.setattr(delivery, "deliver_due", REAL_DELIVER_DUE)
    app.config["SMTP_URL"] = "http://mail.example.test"
    line = portal_scheduler.run_once(app)
    assert [name for name, _ in calls] == ["run_pass"]
    assert line.endswith(
        "; delivery: failed (MailConfigError: PORTAL_SMTP_URL must start with "
        "smtp://, smtp+starttls:// or smtps://.)"
    )


def test_outside_the_sending_window_the_heartbeat_says_so(app, calls, monkeypatch):
    def waiting(now, settings, dry_run=False):
        return types.SimpleNamespace(
            today=now.date(),
            emails=0,
            tasks=0,
            skipped=0,
            failed=0,
            waiting_for_window=True,
            lines=[],
        )

    monkeypatch.setattr(dunning_pass, "run_pass", waiting)
    assert portal_scheduler.run_once(app).startswith("reminders: outside the sending window;")


def test_a_second_scheduler_does_nothing_and_exits_cleanly(app, runner, calls, caplog):
    held = _lock_for(app)
    assert held.try_acquire()
    try:
        result = runner.invoke(args=["scheduler", "--once"])
    finally:
        held.release()
    assert result.exit_code == 0, result.output
    assert calls == []
    assert _heartbeat() is None
    assert "Another scheduler is already running" in caplog.text


def test_the_job_runs_every_15_minutes_at_once_coalesced_alone(app):
    before = datetime.now(UTC)
    scheduler = portal_scheduler.build(app, lambda: None)
    (job,) = scheduler.get_jobs()
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval == timedelta(minutes=15)
    assert job.coalesce is True
    assert job.max_instances == 1
    assert job.misfire_grace_time == 3600
    assert before <= job.next_run_time <= datetime.now(UTC)


@pytest.mark.processes
def test_two_scheduler_processes_started_together_run_the_jobs_once(app, tmp_path):
    calls_file = tmp_path / "calls.txt"
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "PORTAL_INSTANCE_PATH": app.instance_path,
        "PORTAL_ENV": "test",
        "PORTAL_SECRET_KEY": "test-secret-key",
    }
    env.pop("PORTAL_TODAY", None)
    command = [sys.executable, "-c", HARNESS, str(calls_file)]
    processes = [
        subprocess.Popen(
            command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60)[0].decode() for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert calls_file.read_text().split() == ["run_pass", "deliver_due"], outputs
    assert sum("Another scheduler is already running" in out for out in outputs) == 1, outputs
    row = _heartbeat()
    assert row is not None
    # A new portal's first tick also takes its first backup, once.
    assert row.last_result.startswith(
        "reminders: 1 email(s), 0 task(s), 0 skipped; delivery: 1 sent; backup: portal-backup-"
    )
    assert len(list((Path(app.instance_path) / "backups").glob("*.tar.gz"))) == 1


@pytest.mark.processes
def test_serve_runs_a_scheduler_child_and_stops_it_cleanly(app, monkeypatch):
    """The child is a real `portal scheduler` (real jobs on an empty database)."""
    monkeypatch.setenv("PORTAL_DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("PORTAL_ENV", "test")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "test-secret-key")
    monkeypatch.chdir(PROJECT_ROOT)
    with portal_scheduler.beside_server() as child:
        deadline = time.monotonic() + 30
        while _heartbeat() is None and time.monotonic() < deadline:
            assert child.poll() is None, "the scheduler child stopped on its own"
            time.sleep(0.2)
        db.session.rollback()
    assert child.returncode == 0
    assert _heartbeat() is not None
    lock = _lock_for(app)
    assert lock.try_acquire(), "the child's lock outlived it"
    lock.release()


# Nothing starts a scheduler behind our back


def test_create_app_starts_no_scheduler(app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "other"))
    before = {t.ident for t in threading.enumerate()}
    create_app(app_config).test_client().get("/healthz")
    started = [t.name for t in threading.enumerate() if t.ident not in before]
    assert not [name for name in started if "apscheduler" in name.lower()], started
    assert not [name for name in started if "threadpoolexecutor" in name.lower()], started


@pytest.mark.processes
def test_create_app_does_not_even_import_apscheduler(app):
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "PORTAL_INSTANCE_PATH": app.instance_path,
        "PORTAL_ENV": "test",
    }
    code = (
        "import sys; from portal import create_app; create_app().test_client().get('/'); "
        "print(sorted(m for m in sys.modules if m.startswith(('apscheduler', 'portal.sched'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# The heartbeat and the dashboard


def test_heartbeat_status_is_stale_when_missing_or_two_hours_old(app):
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert heartbeat.status(now).stale
    heartbeat.record(now - timedelta(hours=2), "reminders: 0 email(s)\nsecond line")
    db.session.commit()
    old = heartbeat.status(now)
    assert old.stale and old.last_result == "reminders: 0 email(s) second line"
    heartbeat.record(now - timedelta(minutes=119), "fresh")
    db.session.commit()
    fresh = heartbeat.status(now)
    assert not fresh.stale and fresh.last_run_at == now - timedelta(minutes=119)


def test_dashboard_warns_when_the_scheduler_never_ran(client, logged_in):
    page = client.get("/", headers=ENGLISH).get_data(as_text=True)
    assert 'id="scheduler-warning"' in page
    assert "The scheduler has never run." in page
    assert "systemctl start portal-scheduler" in page


def test_dashboard_warns_when_the_last_run_is_old(app, client, logged_in):
    heartbeat.record(clock.now() - timedelta(hours=3), "reminders: 0 email(s)")
    db.session.commit()
    page = client.get("/invoices", headers=ENGLISH).get_data(as_text=True)
    assert 'id="scheduler-warning"' in page
    assert "The scheduler last ran on" in page


def test_dashboard_shows_the_last_run_and_no_warning_when_fresh(app, client, logged_in):
    heartbeat.record(clock.now() - timedelta(minutes=10), "reminders: 2 email(s); delivery: ok")
    db.session.commit()
    page = client.get("/", headers=ENGLISH).get_data(as_text=True)
    assert 'id="scheduler-warning"' not in page
    assert 'id="scheduler-status"' in page
    assert "reminders: 2 email(s); delivery: ok" in page


def test_the_footer_says_when_reminders_could_not_be_written(app, client, logged_in):
    heartbeat.record(clock.now(), "reminders: 0 email(s)", failures=2)
    db.session.commit()
    page = client.get("/", headers=ENGLISH).get_data(as_text=True)
    assert 'id="scheduler-failures"' in page
    assert "The reminders of 2 customers could not be written: see the tasks." in page
    heartbeat.record(clock.now(), "reminders: 1 email(s)")
    db.session.commit()
    assert 'id="scheduler-failures"' not in client.get("/", headers=ENGLISH).get_data(as_text=True)


def test_htmx_fragments_carry_no_scheduler_banner(client, logged_in):
    response = client.get("/invoices", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "scheduler-warning" not in response.get_data(as_text=True)


# The real thing


def test_a_tick_sends_the_reminders_it_queued_in_the_same_run(app, smtp_server):
    """Real pass, real delivery to a local SMTP server: delivery must come after the pass."""
    from portal.services.audit import Actor
    from portal.services.dunning import scenarios

    from .factories import make_customer, make_invoice, make_organisation

    monday = date(2026, 3, 2)
    app.config["TODAY"] = monday  # 10:00 in Paris: inside the sending window
    smtp_server.configure(app)
    make_organisation()
    scenarios.install_defaults(now=clock.now(), actor=Actor.system())
    customer = make_customer(name="Boulangerie Martin")
    make_invoice(
        customer, issue_date=monday - timedelta(days=27), due_date=monday + timedelta(days=3)
    )
    db.session.commit()

    line = portal_scheduler.run_once(app)

    assert line == (
        "reminders: 1 email(s), 0 task(s), 0 skipped; delivery: sent 1, retry later 0, failed 0"
    )
    assert [r.recipients for r in smtp_server.received] == [customer.email_addresses]
    row = _heartbeat()
    assert row.last_run_at == clock.now() and row.last_result == line


def test_promises_and_plan_reminders_wait_for_sending_hours(app, monkeypatch):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from portal import scheduler
    from portal.services import promises
    from portal.services.plans import follow_up

    calls = []
    monkeypatch.setattr(promises, "review", lambda *a, **k: calls.append("review"))
    monkeypatch.setattr(follow_up, "run_plan_reminders", lambda *a, **k: calls.append("plans"))
    paris = ZoneInfo("Europe/Paris")
    for moment, expected in (
        (datetime(2026, 11, 24, 23, tzinfo=paris), []),
        (datetime(2026, 11, 24, 11, tzinfo=paris), ["review", "plans"]),
    ):
        calls.clear()
        app.config["TODAY"] = None
        monkeypatch.setattr(scheduler.clock, "now", lambda m=moment: m.astimezone(UTC))
        scheduler.dunning_job(app)
        assert calls == expected


def test_a_customer_that_cannot_be_reminded_is_counted_in_the_heartbeat(app, smtp_server):
    from portal.services.audit import Actor
    from portal.services.dunning import scenarios

    from .factories import make_customer, make_invoice, make_organisation

    monday = date(2026, 3, 2)
    app.config["TODAY"] = monday
    smtp_server.configure(app)
    make_organisation()
    scenarios.install_defaults(now=clock.now(), actor=Actor.system())
    for emails in ([], ["ok@client.example"]):
        make_invoice(
            make_customer(emails=emails),
            issue_date=monday - timedelta(days=27),
            due_date=monday + timedelta(days=3),
        )
    db.session.commit()

    line = portal_scheduler.run_once(app)

    assert line == (
        "reminders: 1 email(s), 0 task(s), 0 skipped, 1 could not be written (see tasks); "
        "delivery: sent 1, retry later 0, failed 0"
    )
    assert _heartbeat().failures == 1
