"""What a technician collects from each device: its name, where to find it,
what software and model it runs, when it was last used and how much room it
has left. `python -m device doctor` prints it; `--json` carries it as the
inventory line of one device; the dashboard's device page and the kiosk's
settings screen show the same address.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import device
from device.config import Config
from device.expression.model_card import DEFAULT_MODEL, ModelCard, card_path_for
from device.store.db import DB_NAME
from device.store.models import SessionSource
from device.vision.model_files import ModelError

ROOT = Path(__file__).resolve().parents[1]


def lan_address() -> str:
    """This device's address on the LAN (no packet is sent: connecting a UDP socket only picks the route)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere real
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def dashboard_urls(config: Config) -> tuple[str, str]:
    """The dashboard by address, and by name through mDNS (avahi: HOSTNAME.local)."""
    port = config.web.port
    return f"http://{lan_address()}:{port}/", f"http://{socket.gethostname()}.local:{port}/"


def software_version() -> str:
    """`git describe` of the checkout (the release tag, and the commit past it),
    or the package version where there is no git."""
    try:
        described = subprocess.run(
            # The checkout belongs to root and the services run as their own
            # user: git would refuse it as "dubious ownership" without this.
            ["git", "-c", "safe.directory=*", "-C", str(ROOT), "describe", "--tags", "--always", "--dirty"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return device.__version__
    return f"{device.__version__} ({described})" if described else device.__version__


def model_version() -> str:
    try:
        card = ModelCard.load(card_path_for(DEFAULT_MODEL))
        card.check(DEFAULT_MODEL)
    except ModelError as exc:
        return f"not usable: {exc}"
    return f"{card.raw.get('name', 'expression model')} of {card.raw.get('created', '?')} ({card.sha256[:12]})"


def last_session(data_dir: Path) -> str | None:
    """When the patient's newest session on the device's own camera started
    (demo and replay sessions are not practice), read straight from the
    file: no migration, no lock."""
    import sqlite3

    path = data_dir / DB_NAME
    if not path.exists():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2) as connection:
            row = connection.execute(
                "SELECT MAX(started) FROM session WHERE source = ?", (SessionSource.CAMERA,)
            ).fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row and row[0] else None


@dataclass(frozen=True)
class Inventory:
    name: str
    hostname: str
    address: str  # the dashboard, by address
    mdns_address: str  # the dashboard, by name
    software: str
    model: str
    last_session: str | None
    disk_free_gb: float
    checked: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def inventory(config: Config) -> Inventory:
    data_dir = config.data_dir
    by_address, by_name = dashboard_urls(config)
    folder = data_dir if data_dir.exists() else data_dir.parent
    return Inventory(
        name=config.device.name,
        hostname=socket.gethostname(),
        address=by_address,
        mdns_address=by_name,
        software=software_version(),
        model=model_version(),
        last_session=last_session(data_dir),
        disk_free_gb=round(shutil.disk_usage(folder).free / 1e9, 1) if folder.exists() else 0.0,
        checked=datetime.now().isoformat(timespec="seconds"),
    )
