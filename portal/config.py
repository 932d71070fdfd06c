"""Safe defaults. `instance/config.py`, then `PORTAL_*` environment variables
override them (see create_app)."""

from portal.values import locales

#: "production" unless told otherwise: secure cookies and a real secret key are required.
ENV = "production"

#: Generated into instance/secret_key on first run when not configured.
SECRET_KEY = None

#: Default: a SQLite file in the instance folder (filled in by create_app).
DATABASE_URL = None

#: The only source for absolute links (emails, debtor links); never the request's Host.
BASE_URL = "http://127.0.0.1:5000"

TIMEZONE = "Europe/Paris"

#: ISO date that freezes "today" for demos; every page then shows a banner.
TODAY = None

#: An instant (datetime or ISO text) that pins the clock for tests, without a banner.
CLOCK_NOW = None

#: Secure cookies: None means "yes, except in development and tests".
COOKIE_SECURE = None

#: Strict-Transport-Security max-age on requests that came over HTTPS (0: not sent).
HSTS_SECONDS = 31536000

#: The languages the portal speaks, and the default when nothing else decides (fixed:
#: every message, email and document exists in exactly these).
DEFAULT_LANGUAGE = locales.DEFAULT_LANGUAGE
LANGUAGES = locales.LANGUAGES

#: Where rate-limit counters live; use redis://… when running several workers (each
#: worker otherwise counts on its own, and the dashboard says so).
RATELIMIT_STORAGE_URI = "memory://"
#: Web worker processes serving the portal; deploy/gunicorn.conf.py sets it from its
#: own `workers`, so that the dashboard can warn about per-worker rate limits.
WEB_WORKERS = 1
#: Refused logins per visitor address (successes do not count): growing waits.
LOGIN_RATE_LIMIT = "10 per minute;30 per hour;100 per day"
#: Wrong passwords in a row before an account refuses every password for a while
#: (LOGIN_LOCK_MINUTES, doubling with each further failure up to LOGIN_LOCK_MAX_MINUTES).
LOGIN_LOCK_AFTER = 5
LOGIN_LOCK_MINUTES = 1
LOGIN_LOCK_MAX_MINUTES = 60
#: Minutes a login may wait between the password and the authenticator app's code.
LOGIN_CODE_MINUTES = 5

#: Days an emailed invitation to the dashboard stays valid.
INVITATION_VALIDITY_DAYS = 7
#: Minutes a "forgot password" link stays valid, and how often an address may ask for one.
PASSWORD_RESET_VALIDITY_MINUTES = 60
PASSWORD_RESET_RATE_LIMIT = "5 per hour"

#: Largest CSV upload accepted by the dashboard.
MAX_CONTENT_LENGTH = 50 * 1024 * 1024
#: Seconds a dashboard import (its preview, then its confirmation) may take: below the
#: web worker's timeout (60 s in deploy/gunicorn.conf.py). Larger files: `portal import`.
IMPORT_TIME_LIMIT_SECONDS = 40
#: Seconds an uploaded file waits on disk for its confirmation before it is removed.
IMPORT_PREVIEW_MAX_AGE_SECONDS = 3600

#: argon2id cost; tests lower it to keep the suite fast.
PASSWORD_HASH_TIME_COST = 3
PASSWORD_HASH_MEMORY_COST = 65536

#: Rows per page in dashboard lists.
PAGE_SIZE = 25

#: Days a debtor's access link stays valid.
LINK_VALIDITY_DAYS = 90
#: Debtor pages count per link or session, never per address (a mobile carrier puts many
#: phones behind one address): see portal/debtor/limits.py.
#: Openings of one link (`/p/<token>`), whoever opens it.
LINK_OPEN_RATE_LIMIT = "30 per minute"
#: Pages of one debtor session (all its requests).
DEBTOR_PAGE_RATE_LIMIT = "300 per minute"
#: Fresh-link requests from the "link expired" page, per email address asked for.
LINK_REQUEST_RATE_LIMIT = "5 per hour"
#: ... and per client address, only a ceiling against a script asking for many addresses.
LINK_REQUEST_CLIENT_CEILING = "100 per hour"
LINK_REQUEST_PER_CUSTOMER_LIMIT = "3 per day"

#: Stripe Checkout (card and SEPA Direct Debit); online payment is offered only when set.
STRIPE_SECRET_KEY = None
STRIPE_WEBHOOK_SECRET = None
#: Points the Stripe client elsewhere (tests run a local fake of the API).
STRIPE_API_BASE = None
#: Payment methods offered in Checkout.
STRIPE_PAYMENT_METHODS = ("card", "sepa_debit")

#: Reminders wait this long while the creditor checks an "I have already paid" declaration.
PAID_DECLARATION_PAUSE_DAYS = 7
#: Largest proof file a debtor may attach.
MAX_PROOF_BYTES = 10 * 1024 * 1024

#: Reminders go out only between these hours (creditor's timezone), never on
#: Sundays or French public holidays.
SENDING_WINDOW_START = 8
SENDING_WINDOW_END = 20
#: Days at least between two reminders for one invoice when several are overdue at once.
DUNNING_MIN_GAP_DAYS = 7

#: Minutes between two runs of `portal scheduler` (the dunning pass, then email delivery).
SCHEDULER_INTERVAL_MINUTES = 15

#: Outgoing mail server: smtp://host:port, smtp+starttls://user:pass@host:587 or
#: smtps://user:pass@host:465 (credentials URL-encoded). Unset: messages wait in the outbox.
SMTP_URL = None
#: Sender of every message ("Name <address>" or an address); required with SMTP_URL.
MAIL_FROM = None
#: Seconds to wait for the mail server before giving up on one operation.
SMTP_TIMEOUT = 20
#: Delivery attempts before a message that keeps failing temporarily is marked failed.
MAIL_MAX_ATTEMPTS = 8

#: Reverse proxies in front of the portal (nginx: 1). Their X-Forwarded-For and
#: X-Forwarded-Proto headers are then trusted, so rate limits see the visitor's
#: address. Leave 0 when the portal is reached directly.
PROXY_COUNT = 0

#: Backups (`portal backup`, and daily by the scheduler): the folder (default
#: instance/backups; better another disk or a mounted remote folder), how many
#: to keep (the newest of each of the last N days and M weeks), and the hour of
#: the creditor's timezone after which the daily one is taken.
BACKUP_FOLDER = None
BACKUP_SCHEDULED = True
BACKUP_KEEP_DAILY = 14
BACKUP_KEEP_WEEKLY = 8
BACKUP_HOUR = 3
