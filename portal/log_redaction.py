"""Keep debtor link tokens out of every log we write.

A token in a URL path (`/p/<token>`) is a password: the web server's access
log, the development server's and gunicorn's, must not keep it. The filter
rewrites the formatted message before any handler sees it.
"""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"/p/[A-Za-z0-9_\-]{8,}")
REDACTED = "/p/[redacted]"
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "portal")


class RedactLinkTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/p/" in message:
            record.msg = TOKEN_IN_PATH.sub(REDACTED, message)
            record.args = None
        return True


def install(extra_loggers: tuple[str, ...] = ()) -> None:
    """Attach the filter once to each logger that may print request paths."""
    for name in LOGGERS + extra_loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactLinkTokens) for f in logger.filters):
            logger.addFilter(RedactLinkTokens())
