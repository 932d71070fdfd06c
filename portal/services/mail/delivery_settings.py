"""What delivering the outbox needs from the configuration, checked once before a run.

The scheduler, the `portal outbox send` command and the tests all build these
settings from the app's configuration and pass them in, so delivery itself
never reads Flask's config; a wrong PORTAL_SMTP_URL or PORTAL_MAIL_FROM is
reported here, as a MailConfigError, before any message is claimed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

from portal.adapters.smtp import MailConfigError, SmtpUrl, parse_smtp_url
from portal.services.errors import N_
from portal.values.email_headers import header_text, valid_address

MAIL_FROM_REQUIRED = N_(
    "PORTAL_MAIL_FROM is required when PORTAL_SMTP_URL is set: "
    "the address every message is sent from."
)


@dataclass(frozen=True)
class DeliverySettings:
    """What delivery needs from the configuration; `smtp` is None when no server is set."""

    smtp: SmtpUrl | None
    mail_from: str
    instance_path: Path
    timezone: ZoneInfo = ZoneInfo("Europe/Paris")
    timeout: float = 20
    max_attempts: int = 8
    window_start: int = 8
    window_end: int = 20
    """Hours (debtor's local time) between which unsolicited messages may leave."""
    link_key: str = field(default="", repr=False)
    """The app's secret key: debtor links are computed from it at delivery (`services.links`)."""

    @classmethod
    def from_config(cls, config) -> DeliverySettings:
        base = {
            "instance_path": Path(config["INSTANCE_PATH"]),
            "timezone": ZoneInfo(config.get("TIMEZONE") or "Europe/Paris"),
            "timeout": float(config.get("SMTP_TIMEOUT") or 20),
            "max_attempts": max(1, int(config.get("MAIL_MAX_ATTEMPTS") or 8)),
            "window_start": int(config.get("SENDING_WINDOW_START") or 8),
            "window_end": int(config.get("SENDING_WINDOW_END") or 20),
            "link_key": str(config.get("SECRET_KEY") or ""),
        }
        if not config.get("SMTP_URL"):
            return cls(smtp=None, mail_from="", **base)
        smtp = parse_smtp_url(str(config["SMTP_URL"]))
        mail_from = header_text(str(config.get("MAIL_FROM") or ""))
        if not mail_from:
            raise MailConfigError(MAIL_FROM_REQUIRED)
        if not valid_address(parseaddr(mail_from)[1]):
            raise MailConfigError(N_("PORTAL_MAIL_FROM is not an email address."))
        return cls(smtp=smtp, mail_from=mail_from, **base)

    @property
    def configured(self) -> bool:
        return self.smtp is not None

    @property
    def sender(self) -> str:
        """The envelope sender (MAIL FROM), where servers send bounces."""
        return parseaddr(self.mail_from)[1]
