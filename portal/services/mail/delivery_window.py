"""Which messages wait for the sending window, and until when, at the moment they leave.

A reminder queued at 19:58 may reach the server at 20:05, and a retry can come
up to six hours after a failure, so the window is checked at delivery, not only
when the dunning pass writes the message. What the debtor asked for (a fresh
link, a receipt, the answer to their own request) and what goes to the
creditor's own staff leave at once; every other kind waits, so a kind added
later is held back until someone decides otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from portal.models import MessageKind, Organisation
from portal.services.dunning.sending_window import SendingWindow

K = MessageKind
#: Answers to the debtor's own request: they are waiting for it.
ASKED_FOR = frozenset(
    {
        K.FRESH_LINK,
        K.RECEIPT,
        K.DISPUTE_ACCEPTED,
        K.DISPUTE_REJECTED,
        K.PLAN_ACCEPTED,
        K.PLAN_REJECTED,
        K.PAID_DECLARATION_REJECTED,
    }
)
#: Alerts, tests and sign-in links for the creditor's own staff (an invitation or a
#: password reset is asked for and expires: it must not wait for the morning).
TO_THE_CREDITOR = frozenset(
    {
        K.PAYMENT_NOTIFICATION,
        K.PAID_DECLARATION,
        K.MESSAGE_TO_CREDITOR,
        K.TEST,
        K.USER_INVITATION,
        K.PASSWORD_RESET,
    }
)


def waits_for_window(kind: str) -> bool:
    """True for what the debtor did not ask for: reminders, notices, plan and promise follow-ups."""
    try:
        return MessageKind(kind) not in ASKED_FOR | TO_THE_CREDITOR
    except ValueError:
        return True


@dataclass(frozen=True)
class WindowRule:
    """The organisation's side of the window; each customer may bring their own timezone."""

    timezone: ZoneInfo
    start_hour: int = 8
    end_hour: int = 20
    alsace_moselle: bool = False

    @classmethod
    def for_organisation(
        cls, org: Organisation | None, fallback: ZoneInfo, start_hour: int, end_hour: int
    ) -> WindowRule:
        zone = _zone(org.timezone if org else "", fallback)
        alsace = bool(org and org.alsace_moselle_holidays)
        return cls(zone, start_hour, end_hour, alsace)

    def window_for(self, customer_timezone: str | None) -> SendingWindow:
        zone = _zone(customer_timezone or "", self.timezone)
        return SendingWindow(zone, self.start_hour, self.end_hour, self.alsace_moselle)

    def opening(self, kind: str, customer_timezone: str | None, moment: datetime) -> datetime:
        """When a message of `kind` may leave, at or after `moment`."""
        if not waits_for_window(kind):
            return moment
        return self.window_for(customer_timezone).next_opening(moment)


def _zone(name: str, fallback: ZoneInfo) -> ZoneInfo:
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback
