"""Keep debtor link tokens out of every log we write.

A token in a URL path (`/p/<token>`) is a password: the web server's access
log, the development server's and gunicorn's, must not keep it. The filter
rewrites the formatted message before any handler sees it.

A request line is logged as the client sent it, so a token may come
percent-encoded (`/p/%41%42…`, `%2Fp%2F…`, even twice: `%252F`): every
character of the prefix and of the token may be encoded, and is matched so.
"""

from __future__ import annotations

import logging
import re

_ENCODED = r"%(?:25)*"  # percent-encoded, maybe more than once
_SLASH = rf"(?:/|{_ENCODED}2[Ff])"
_P = rf"(?:[pP]|{_ENCODED}[57]0)"
_TOKEN_CHAR = rf"(?:[A-Za-z0-9_\-]|{_ENCODED}[0-9A-Fa-f]{{2}})"
TOKEN_IN_PATH = re.compile(rf"{_SLASH}{_P}{_SLASH}{_TOKEN_CHAR}{{8,}}")
REDACTED = "/p/[redacted]"
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "portal")


class RedactLinkTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = TOKEN_IN_PATH.sub(REDACTED, message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


def install(extra_loggers: tuple[str, ...] = ()) -> None:
    """Attach the filter once to each logger that may print request paths."""
    for name in LOGGERS + extra_loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactLinkTokens) for f in logger.filters):
            logger.addFilter(RedactLinkTokens())
