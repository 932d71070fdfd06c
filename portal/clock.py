"""The one source of "now" and "today".

Everything that depends on the date asks this module, so that `PORTAL_TODAY`
can freeze the whole portal on one day for demos (with a banner on every page),
and `CLOCK_NOW` on one instant for tests (no banner): a test suite then passes on
any day, whatever the machine's clock says. Services never call this: they take
`now`/`today` as arguments from the view, job or command.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

#: Time of day a frozen "today" stands for, in the creditor's timezone.
FROZEN_TIME = time(10, 0)


def _config(key: str, default=None):
    return current_app.config.get(key, default) if has_app_context() else default


def timezone() -> ZoneInfo:
    return ZoneInfo(_config("TIMEZONE", "Europe/Paris") or "Europe/Paris")


def frozen_today() -> date | None:
    """The date `PORTAL_TODAY` freezes the portal on, if any."""
    value = _config("TODAY")
    if not value:
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def fixed_now() -> datetime | None:
    """The instant `CLOCK_NOW` pins the portal at, if any (tests)."""
    value = _config("CLOCK_NOW")
    if not value:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def working_moment(day: date) -> datetime:
    """10:00 in the creditor's timezone on `day`, in UTC: "as on that day" for demos and commands."""
    return datetime.combine(day, FROZEN_TIME, tzinfo=timezone()).astimezone(UTC)


def now() -> datetime:
    """Timezone-aware UTC now; at 10:00 local time on the frozen day if frozen."""
    frozen = frozen_today()
    if frozen is not None:
        return working_moment(frozen)
    fixed = fixed_now()
    if fixed is not None:
        return fixed.astimezone(UTC)
    return datetime.now(UTC)


def operational_now() -> datetime:
    """Now for the machine's own chores (backup names, their retention), in UTC.

    A demo's frozen day does not apply (backups are taken on real days, and a frozen
    clock would give every backup the same name); a test's pinned instant does.
    """
    fixed = fixed_now()
    if fixed is not None:
        return fixed.astimezone(UTC)
    return datetime.now(UTC)


def today() -> date:
    """The business date in the creditor's timezone."""
    frozen = frozen_today()
    if frozen is not None:
        return frozen
    fixed = fixed_now()
    if fixed is not None:
        return fixed.astimezone(timezone()).date()
    return datetime.now(timezone()).date()
