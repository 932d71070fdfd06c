"""When an unsolicited message may reach a debtor: 08:00–20:00, never on Sundays or holidays.

The rule comes from French collection ethics (no message outside 08:00–20:00,
none on Sundays and public holidays), checked in the debtor's timezone when the
customer has one, else the creditor's. In Alsace and Moselle, Good Friday and
26 December are public holidays too; the organisation says whether that applies.
The dunning pass uses the window to plan its steps, and delivery checks it again
at the moment a message leaves, since a queued or retried message can leave hours
after it was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

#: The holidays package's subdivision for Moselle; Bas-Rhin and Haut-Rhin share its days.
ALSACE_MOSELLE = "57"


@lru_cache(maxsize=64)
def _french_holidays(year: int, alsace_moselle: bool) -> holidays.HolidayBase:
    return holidays.France(years=year, subdiv=ALSACE_MOSELLE if alsace_moselle else None)


def is_sending_day(day: date, alsace_moselle: bool = False) -> bool:
    return day.weekday() != 6 and day not in _french_holidays(day.year, alsace_moselle)


@dataclass(frozen=True)
class SendingWindow:
    timezone: ZoneInfo
    start_hour: int = 8
    end_hour: int = 20
    alsace_moselle: bool = False

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.timezone)
        return self._day_ok(local.date()) and self.start_hour <= local.hour < self.end_hour

    def next_opening(self, moment: datetime) -> datetime:
        """The first instant at or after `moment` when sending is allowed (UTC)."""
        local = moment.astimezone(self.timezone)
        day = local.date()
        if self._day_ok(day) and local.hour < self.end_hour:
            if local.hour >= self.start_hour:
                return moment
            return self._at(day, self.start_hour)
        return self._at(self.next_sending_day(day + timedelta(days=1)), self.start_hour)

    def next_sending_day(self, day: date) -> date:
        """The first day on or after `day` on which reminders may go out."""
        while not self._day_ok(day):
            day += timedelta(days=1)
        return day

    def _day_ok(self, day: date) -> bool:
        return is_sending_day(day, self.alsace_moselle)

    def _at(self, day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=self.timezone).astimezone(UTC)
