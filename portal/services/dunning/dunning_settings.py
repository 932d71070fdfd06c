"""What the dunning pass needs from the configuration, read once into a frozen value.

The pass, the forecast, the payment plans and the promises all run in the
scheduler, the CLI and the web pages; building one `DunningSettings` from the
app config keeps them on the same timezone, sending window and link validity.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from portal.services.dunning.sending_window import SendingWindow


@dataclass(frozen=True)
class DunningSettings:
    timezone: ZoneInfo
    base_url: str
    link_days: int
    instance_path: Path
    window_start: int = 8
    window_end: int = 20

    @property
    def window(self) -> SendingWindow:
        return SendingWindow(self.timezone, self.window_start, self.window_end)

    @classmethod
    def from_config(cls, config) -> DunningSettings:
        return cls(
            timezone=ZoneInfo(config["TIMEZONE"]),
            base_url=config["BASE_URL"],
            link_days=int(config["LINK_VALIDITY_DAYS"]),
            instance_path=Path(config["INSTANCE_PATH"]),
            window_start=int(config["SENDING_WINDOW_START"]),
            window_end=int(config["SENDING_WINDOW_END"]),
        )
