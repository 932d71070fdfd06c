"""Keep link tokens out of every log we write.

A token in a URL path (a debtor's `/p/<token>`, a dashboard user's
`/password/<token>` to choose a password) is a password: the web server's
access log, the development server's and gunicorn's, must not keep it. The
filter rewrites the formatted message before any handler sees it.
"""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"/p/[A-Za-z0-9_\-]{8,}")
REDACTED = "/p/[redacted]"
#: `/password/forgot` is a page, not a token: tokens are far longer than 8 characters.
PASSWORD_TOKEN_IN_PATH = re.compile(r"/password/[A-Za-z0-9_\-]{8,}")
PASSWORD_REDACTED = "/password/[redacted]"
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "portal")


class RedactLinkTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/p/" in message or "/password/" in message:
            message = TOKEN_IN_PATH.sub(REDACTED, message)
            record.msg = PASSWORD_TOKEN_IN_PATH.sub(PASSWORD_REDACTED, message)
            record.args = None
        return True


def install(extra_loggers: tuple[str, ...] = ()) -> None:
    """Attach the filter once to each logger that may print request paths."""
    for name in LOGGERS + extra_loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactLinkTokens) for f in logger.filters):
            logger.addFilter(RedactLinkTokens())
