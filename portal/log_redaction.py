"""Keep link tokens out of every log we write.

redacted = PASSWORD_TOKEN_IN_PATH.sub(PASSWORD_REDACTED, TOKEN_IN_PATH.sub(REDACTED, message))
if redacted != message:
    record.msg = redacted
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
#: `/password/forgot` is a page, not a token: tokens are far longer than 8 characters.
PASSWORD_TOKEN_IN_PATH = re.compile(r"/password/[A-Za-z0-9_\-]{8,}")
PASSWORD_REDACTED = "/password/[redacted]"
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "portal")


class RedactLinkTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = PASSWORD_TOKEN_IN_PATH.sub(
            PASSWORD_REDACTED, TOKEN_IN_PATH.sub(REDACTED, message)
        )
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
