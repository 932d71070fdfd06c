"""When a reminder may be sent: working hours, never on Sundays or French public holidays.

The rule comes from French collection ethics (no message outside 08:00–20:00,
none on Sundays and public holidays), checked in the creditor's timezone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=32)
def _french_holidays(year: int) -> holidays.HolidayBase:
    return holidays.France(years=year)


def is_sending_day(day: date) -> bool:
    return day.weekday() != 6 and day not in _french_holidays(day.year)


@dataclass(frozen=True)
class SendingWindow:
    timezone: ZoneInfo
    start_hour: int = 8
    end_hour: int = 20

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.timezone)
        return is_sending_day(local.date()) and self.start_hour <= local.hour < self.end_hour

    def next_opening(self, moment: datetime) -> datetime:
        """The first instant at or after `moment` when sending is allowed (UTC)."""
        local = moment.astimezone(self.timezone)
        day = local.date()
        if is_sending_day(day) and local.hour < self.end_hour:
            if local.hour >= self.start_hour:
                return moment
            return self._at(day, self.start_hour)
        day += timedelta(days=1)
        while not is_sending_day(day):
            day += timedelta(days=1)
        return self._at(day, self.start_hour)

    def next_sending_day(self, day: date) -> date:
        """The first day on or after `day` on which reminders may go out."""
        while not is_sending_day(day):
            day += timedelta(days=1)
        return day

    def _at(self, day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=self.timezone).astimezone(UTC)
