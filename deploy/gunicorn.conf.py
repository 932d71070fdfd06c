"""gunicorn for the portal behind nginx on one machine.

    gunicorn -c deploy/gunicorn.conf.py wsgi:app      (from the project folder)

The access log goes to stdout, so to journald with the systemd unit. It passes
through the `gunicorn.access` logger, on which create_app() installs the filter
of portal/log_redaction.py: a debtor link (`/p/<token>`) is a password, and the
log shows `/p/[redacted]` instead.
"""

import os

bind = "127.0.0.1:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
#: Tells the portal how many workers share the load: with more than one, rate limits
#: need PORTAL_RATELIMIT_STORAGE_URI (Redis), and the dashboard says so until it is set.
raw_env = [f"PORTAL_WEB_WORKERS={workers}"]
#: A sync worker per request; nginx buffers slow clients, so requests stay short.
worker_class = "sync"
timeout = 60
graceful_timeout = 30

accesslog = "-"
errorlog = "-"
loglevel = "info"
#: The visitor's address (from nginx), the request line (redacted), status, size, duration.
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

#: systemd manages the process; no control socket in the (read-only) home folder.
control_socket_disable = True

#: Only nginx, on this machine, may say the request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = "127.0.0.1,::1"
