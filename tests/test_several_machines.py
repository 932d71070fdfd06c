"""Several machines: two web servers behind nginx, two schedulers, one PostgreSQL, Redis.

The README's "Several machines" layout, started for real on this machine: each
"machine" is a gunicorn server and a `portal scheduler` process sharing one
PostgreSQL database, one Redis for rate limits and one instance folder (the
shared storage). nginx runs the deployment file `deploy/nginx-portal.conf`, its
upstream pointed at both servers, and is checked with `nginx -t` first.

A reminder day is run under load (debtors reading their account through nginx
and on each server directly) and the test checks that every reminder reaches
the mail server exactly once, that no request fails, that a debtor's session
opened on one server works on the other, that the login limit is shared, and
that when the active scheduler stops, the other machine's takes over without
sending anything twice.

Runs on PostgreSQL only (the SQLite suite deselects it: SQLite is one machine).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from .conftest import empty_side_database
from .fakes.smtp_sink import SmtpSink

pytestmark = [pytest.mark.processes, pytest.mark.postgres_only]

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEMO_DAY = "2026-11-23"
LOAD_SECONDS = 30
DEBTORS = ("CL0001", "CL0002", "CL0003", "CL0004")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _nginx_config(folder: Path, listen: int, servers: list[int]) -> Path:
    """deploy/nginx-portal.conf with this test's ports and paths, inside a main config."""
    site = (ROOT / "deploy" / "nginx-portal.conf").read_text()
    upstream = "".join(f"    server 127.0.0.1:{port};\n" for port in servers)
    site, found = re.subn(r"    server 127\.0\.0\.1:8000[^\n]*\n", upstream, site)
    assert found == 1, "the upstream's server line changed: update this test"
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    site = site.replace("    listen [::]:80;\n", "")
    site = site.replace("/var/log/nginx/", f"{folder}/")
    (folder / "portal.conf").write_text(site)
    temp = folder / "temp"
    temp.mkdir(mode=0o777)
    temp.chmod(0o777)
    main = folder / "nginx.conf"
    main.write_text(
        f"daemon off;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        f"  client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy;\n"
        f"  fastcgi_temp_path {temp}/fastcgi; uwsgi_temp_path {temp}/uwsgi;\n"
        f"  scgi_temp_path {temp}/scgi;\n"
        f"  include {folder}/portal.conf;\n"
        "}\n"
    )
    return main


class Cluster:
    """The processes of the test, stopped whatever happens."""

    def __init__(self, tmp_path: Path, database_url: str, smtp_port: int) -> None:
        self.tmp = tmp_path
        self.processes: list[subprocess.Popen] = []
        self.nginx_port = _free_port()
        self.env = {
            **os.environ,
            "PORTAL_DATABASE_URL": database_url,
            "PORTAL_INSTANCE_PATH": str(tmp_path / "shared-instance"),
            "PORTAL_ENV": "production",
            "PORTAL_SECRET_KEY": "cluster-test-" + "k" * 48,
            "PORTAL_COOKIE_SECURE": "false",
            "PORTAL_TODAY": DEMO_DAY,
            "PORTAL_BASE_URL": f"http://127.0.0.1:{self.nginx_port}",
            "PORTAL_PROXY_COUNT": "1",
            "PORTAL_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
            "PORTAL_MAIL_FROM": "Atelier Dupont <relances@atelier-dupont.example>",
            "PORTAL_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "PORTAL_RATELIMIT_KEY_PREFIX": f"cluster-test-{uuid.uuid4().hex}",
            # The readers below loop on /account as fast as the servers answer, three to a
            # link: far beyond any phone, so the per-session page limit steps aside here.
            "PORTAL_DEBTOR_PAGE_RATE_LIMIT": "1000000 per minute",
            "PORTAL_BACKUP_SCHEDULED": "false",
        }
        for name in ("PORTAL_TEST_DATABASE_URL", "PORTAL_TEST_SUITE_DATABASE"):
            self.env.pop(name, None)

    def portal(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "portal"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self, *command: str, log: str) -> subprocess.Popen:
        stream = (self.tmp / log).open("wb")
        process = subprocess.Popen(
            list(command), env=self.env, cwd=ROOT, stdout=stream, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def web_server(self, name: str) -> int:
        port = _free_port()
        self.start(
            str(BIN / "gunicorn"),
            "--config=deploy/gunicorn.conf.py",
            f"--bind=127.0.0.1:{port}",
            "wsgi:app",
            log=f"web-{name}.log",
        )
        return port

    def log(self, name: str) -> str:
        return (self.tmp / name).read_text(errors="replace")

    def print_logs(self) -> None:
        for path in sorted(self.tmp.rglob("*.log")):
            print(f"== {path.name}\n{path.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


class Debtor:
    """A phone with its own cookies: opens its link once, then reads its account."""

    def __init__(self, link: str) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.link = link

    def get(self, url: str) -> tuple[int, str]:
        try:
            with self.opener.open(url, timeout=15) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, ""
        except OSError as exc:
            return 0, repr(exc)


def _links(cluster: Cluster) -> dict[str, str]:
    links = {}
    for ref in DEBTORS:
        found = re.search(r"https?://\S+/p/\S+", cluster.portal("link", ref))
        assert found, f"no link printed for {ref}"
        links[ref] = found.group(0)
    return links


def _login_statuses(bases: list[str], attempts: int) -> list[int]:
    """Wrong passwords from one address, alternating between servers."""
    statuses = []
    for number in range(attempts):
        debtor = Debtor("")
        base = bases[number % len(bases)]
        status, page = debtor.get(f"{base}/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        data = {"email": "owner@example.fr", "password": f"wrong-{number}"}
        if token:
            data["csrf_token"] = token.group(1)
        request = urllib.request.Request(
            f"{base}/login", data=urllib.parse.urlencode(data).encode(), method="POST"
        )
        try:
            with debtor.opener.open(request, timeout=15) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as exc:
            statuses.append(exc.code)
    return statuses


def test_two_machines_send_each_reminder_once_under_load(tmp_path):
    with SmtpSink() as mail:
        cluster = Cluster(tmp_path, empty_side_database("cluster"), mail.port)
        try:
            _run_reminder_day(cluster, mail, tmp_path)
        except BaseException:
            cluster.print_logs()  # shown by pytest with the failure
            raise
        finally:
            cluster.stop()


def _run_reminder_day(cluster: Cluster, mail: SmtpSink, tmp_path: Path) -> None:
    cluster.portal("init")
    cluster.portal("demo")
    links = _links(cluster)

    nginx_folder = tmp_path / "nginx"
    nginx_folder.mkdir()
    server_a, server_b = cluster.web_server("a"), cluster.web_server("b")
    nginx_conf = _nginx_config(nginx_folder, cluster.nginx_port, [server_a, server_b])
    checked = subprocess.run([NGINX, "-t", "-c", str(nginx_conf)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    bases = [f"http://127.0.0.1:{port}" for port in (cluster.nginx_port, server_a, server_b)]
    for base in bases[1:]:
        _wait_for(f"{base}/healthz")
    cluster.start(NGINX, "-c", str(nginx_conf), log="nginx.log")
    _wait_for(f"{bases[0]}/healthz")

    # A debtor session opened on one machine is valid on the other.
    roaming = Debtor(links[DEBTORS[0]])
    link_path = urllib.parse.urlsplit(links[DEBTORS[0]]).path
    assert roaming.get(f"{bases[1]}{link_path}")[0] == 200
    status, page = roaming.get(f"{bases[2]}/account")
    assert status == 200 and "/account/pay" in page

    # The login limit counts across machines (Redis), not per process.
    assert 429 in _login_statuses(bases[1:], attempts=14)

    # Load: debtors reading their account on both machines and through nginx.
    results: Counter = Counter()
    failures: list[str] = []
    stop = threading.Event()

    def read_accounts(debtor: Debtor, base: str) -> None:
        status, _ = debtor.get(f"{base}{urllib.parse.urlsplit(debtor.link).path}")
        while not stop.is_set():
            status, body = debtor.get(f"{base}/account")
            results[status] += 1
            if status != 200:
                failures.append(f"{base}: {status} {body[:120]}")

    readers = []
    for ref in DEBTORS:
        for base in bases:
            thread = threading.Thread(
                target=read_accounts, args=(Debtor(links[ref]), base), daemon=True
            )
            readers.append(thread)
    for thread in readers:
        thread.start()
    started = time.monotonic()

    # Two schedulers, one per machine, started together: one runs the day, one steps aside.
    schedulers = [
        cluster.start(str(BIN / "portal"), "scheduler", log=f"scheduler-{name}.log")
        for name in ("a", "b")
    ]
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and all(p.poll() is None for p in schedulers):
        time.sleep(0.2)
    stepped_aside = [p for p in schedulers if p.poll() is not None]
    assert len(stepped_aside) == 1 and stepped_aside[0].returncode == 0
    active = next(p for p in schedulers if p.poll() is None)
    active_log = f"scheduler-{'a' if active is schedulers[0] else 'b'}.log"
    other_log = f"scheduler-{'b' if active is schedulers[0] else 'a'}.log"
    assert "Another scheduler is already running" in cluster.log(other_log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and "delivery:" not in cluster.log(active_log):
        time.sleep(0.5)
    assert "delivery:" in cluster.log(active_log), cluster.log(active_log)

    time.sleep(max(0.0, LOAD_SECONDS - (time.monotonic() - started)))
    stop.set()
    for thread in readers:
        thread.join(timeout=30)

    assert failures == [], failures[:5]
    assert results[200] >= 100, results

    sent = _sent_outbox_ids(cluster.env["PORTAL_DATABASE_URL"])
    received = [message.message["Message-ID"] for message in mail.received]
    assert sent, "the demo day should send reminders"
    assert len(received) == len(set(received)), "a message reached the server twice"
    assert len(received) == len(sent)

    # The active scheduler stops; the other machine's takes over and sends nothing twice.
    active.send_signal(signal.SIGTERM)
    assert active.wait(timeout=30) == 0
    cluster.portal("scheduler", "--once")
    assert len(mail.received) == len(received)
    assert _sent_outbox_ids(cluster.env["PORTAL_DATABASE_URL"]) == sent


def _sent_outbox_ids(url: str) -> set[int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id FROM outbox_messages WHERE status = 'sent'")
            ).all()
    finally:
        engine.dispose()
    return {row[0] for row in rows}
