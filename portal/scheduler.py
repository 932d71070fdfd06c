"""The scheduler process (`portal scheduler`): reminders, email delivery, then the daily backup.

It is a process of its own, never a thread of the web app: gunicorn runs several
workers, and each would otherwise send the same reminders. What is due lives in
database rows, so a missed, late or repeated tick does no harm; a lock held for
the process's lifetime keeps a second scheduler from doing anything at all.

Nothing imports this module but the `portal` command: `create_app()` must never
start a scheduler.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from portal import clock
from portal.adapters import scheduler_lock
from portal.extensions import db
from portal.services import heartbeat
from portal.services.errors import DomainError

log = logging.getLogger("portal.scheduler")

JOB_ID = "reminders-then-delivery"
#: A tick that could not start on time (machine asleep, process paused) still runs
#: within this many seconds; several missed ticks run once (coalesce).
MISFIRE_GRACE_SECONDS = 3600
#: How long `portal serve` lets its scheduler child finish a run before killing it.
CHILD_STOP_SECONDS = 15


@dataclass(frozen=True)
class JobReport:
    line: str
    failures: int = 0
    """Customers whose reminders could not be written: shown in the dashboard's footer."""


def dunning_job(app: Flask) -> JobReport:
    """Promise reviews, the dunning pass, plan reminders and the week-ahead forecast."""
    from portal.services import decision_jobs
    from portal.services.dunning.dunning_settings import DunningSettings

    with app.app_context():
        settings = DunningSettings.from_config(app.config)
        decisions = decision_jobs.run_decisions(clock.now(), settings)
        db.session.commit()
        line = "; ".join(decision_jobs.describe(decisions))
        return JobReport(line, decisions.reminders.failed)


def delivery_job(app: Flask) -> JobReport:
    """Send what the outbox holds, including the reminders the pass just queued."""
    from portal.services.mail import delivery
    from portal.services.mail.delivery_settings import DeliverySettings

    with app.app_context():
        settings = DeliverySettings.from_config(app.config)
        report = delivery.deliver_due(clock.now(), settings=settings)
        return JobReport(f"delivery: {report}")


def figures_job(app: Flask) -> JobReport:
    """The collection figures, once a day: logged, left out of the heartbeat line."""
    from portal.services import organisation
    from portal.services.analytics import snapshots

    with app.app_context():
        org = organisation.get()
        if snapshots.refresh_if_stale(clock.today(), org.currency if org else "EUR"):
            db.session.commit()
            log.info("figures: computed for %s", clock.today().isoformat())
        return JobReport("")


def backup_job(app: Flask) -> JobReport:
    """The daily backup, once its hour has come; its success is a heartbeat of its own.

    Says nothing ("") when backups are off or today's is done.
    """
    from portal.services.backups import scheduling, taking
    from portal.services.backups.backup_settings import BackupSettings

    with app.app_context():
        settings = BackupSettings.from_config(app.config)
        if not settings.scheduled:
            return JobReport("")
        now = clock.operational_now()
        last = heartbeat.status(now, name=heartbeat.BACKUP).last_run_at
        if not scheduling.due(last, now, hour=settings.hour, timezone=settings.timezone):
            return JobReport("")
        taken = taking.take(settings, now)
        heartbeat.record(now, taking.describe(taken), name=heartbeat.BACKUP)
        db.session.commit()
        return JobReport(f"backup: {taking.describe(taken)}")


#: In this order: reminders queued by the pass go out in the same tick; the daily
#: figures and the backup last, so that neither ever delays a reminder.
JOBS: tuple[tuple[str, Callable[[Flask], JobReport]], ...] = (
    ("reminders", dunning_job),
    ("delivery", delivery_job),
    ("figures", figures_job),
    ("backup", backup_job),
)


def run_once(app: Flask) -> str:
    """The jobs in order, then the heartbeat. A failing job does not stop the next one.

    A job with nothing to report (no backup due) says "" and adds nothing to the line.
    """
    parts, failures = [], 0
    for name, job in JOBS:
        try:
            report = job(app)
        except Exception as exc:  # logged with its traceback; the heartbeat says so
            log.exception("The %s job failed", name)
            parts.append(f"{name}: failed ({_reason(exc)})")
            continue
        if report.line:
            parts.append(report.line)
        failures += report.failures
    line = "; ".join(parts)
    with app.app_context():
        heartbeat.record(clock.now(), line, failures=failures)
        db.session.commit()
    log.info("%s", line)
    return line


def _reason(exc: Exception) -> str:
    """Domain errors (a bad PORTAL_SMTP_URL) are meant to be read; others only by type."""
    if isinstance(exc, DomainError):
        return f"{type(exc).__name__}: {exc}"
    return type(exc).__name__


def build(app: Flask, tick: Callable[[], None]) -> BlockingScheduler:
    """One job, every SCHEDULER_INTERVAL_MINUTES, first run at once."""
    scheduler = BlockingScheduler(
        timezone=UTC, executors={"default": ThreadPoolExecutor(max_workers=1)}
    )
    scheduler.add_job(
        tick,
        IntervalTrigger(minutes=int(app.config["SCHEDULER_INTERVAL_MINUTES"]), timezone=UTC),
        id=JOB_ID,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=MISFIRE_GRACE_SECONDS,
        # APScheduler's timeline is the wall clock, not clock.now(): a frozen demo day
        # would make every tick a misfire.
        next_run_time=datetime.now(UTC),
    )
    return scheduler


def main(app: Flask, *, once: bool = False) -> int:
    """Run the scheduler (or one tick); the exit status for the `portal scheduler` command.

    A second scheduler exits at once with status 0 instead of waiting for the lock:
    it is a mistake to point out (a message in its log or terminal), not a standby to
    keep, and status 0 keeps cron quiet and systemd (Restart=on-failure) from looping.
    """
    _configure_logging()
    lock = scheduler_lock.for_database(
        app.config["SQLALCHEMY_DATABASE_URI"], Path(app.instance_path)
    )
    if not lock.try_acquire():
        log.warning(
            "Another scheduler is already running for this database (%s is held): "
            "this one does nothing and exits.",
            lock.description,
        )
        return 0
    try:
        if once:
            run_once(app)
            return 0
        return _run_forever(app, lock)
    finally:
        lock.release()


def _run_forever(app: Flask, lock: scheduler_lock.SchedulerLock) -> int:
    """Until SIGINT or SIGTERM; status 1 if the lock was lost, so systemd restarts us."""
    lost = threading.Event()

    def tick() -> None:
        if not lock.held():
            log.error("The scheduler lock was lost (database connection dropped): stopping.")
            lost.set()
            scheduler.shutdown(wait=False)
            return
        run_once(app)

    scheduler = build(app, tick)
    log.info(
        "Scheduler started (%s): every %s minutes.",
        lock.description,
        app.config["SCHEDULER_INTERVAL_MINUTES"],
    )
    previous = {signal.SIGINT: signal.getsignal(signal.SIGINT)}
    previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, _interrupt)
    try:
        scheduler.start()
    except KeyboardInterrupt:
        log.info("Stopping: waiting for a running job to finish.")
    finally:
        for signum in previous:  # a second Ctrl-C must not cut a run short
            signal.signal(signum, signal.SIG_IGN)
        if scheduler.running:
            scheduler.shutdown(wait=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
    return 1 if lost.is_set() else 0


def _interrupt(signum, frame) -> None:
    """SIGTERM (systemd stop) ends the scheduler the way Ctrl-C does."""
    raise KeyboardInterrupt


def _configure_logging() -> None:
    """One line per run in journald or the terminal (Flask gave `portal` a stderr handler)."""
    portal_logger = logging.getLogger("portal")
    if portal_logger.level == logging.NOTSET or portal_logger.level > logging.INFO:
        portal_logger.setLevel(logging.INFO)


@contextmanager
def beside_server() -> Iterator[subprocess.Popen]:
    """`portal scheduler` as a child of the development server, stopped when the server stops.

    Ctrl-C reaches both (same process group); a SIGTERM to the server is turned
    into the same clean stop, and the child gets SIGTERM too.
    """
    child = subprocess.Popen(
        [sys.executable, "-c", "from portal.cli import main; main()", "scheduler"]
    )
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if in_main_thread else None
    try:
        yield child
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
        stop_child(child)


def stop_child(child: subprocess.Popen, timeout: float = CHILD_STOP_SECONDS) -> int:
    """SIGTERM, a grace period for a running job, then SIGKILL."""
    if child.poll() is None:
        child.terminate()
    try:
        return child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.wait()
