"""The devices page's rows: each enrolled device's last contact, software,
outbox backlog and clock, as it said on its last contact (ward/devices.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ward.devices import SKEW_FLAG_S
from ward.models import Device


@dataclass(frozen=True)
class DeviceRow:
    name: str
    last_contact: datetime | None
    software: str | None
    backlog: int | None
    clock_skew_s: float | None  # the device's clock minus the ward's
    revoked: bool

    @property
    def clock_off(self) -> bool:
        """Its clock is far enough off that its sessions may sit on the wrong day: flagged."""
        return self.clock_skew_s is not None and abs(self.clock_skew_s) > SKEW_FLAG_S


def device_rows() -> list[DeviceRow]:
    return [
        DeviceRow(d.name, d.last_contact, d.software, d.backlog, d.clock_skew_s, d.revoked is not None)
        for d in Device.select().order_by(Device.name)
    ]
