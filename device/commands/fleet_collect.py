"""The collector of the fleet view: every device's doctor line, fetched in
parallel from its dashboard (GET /api/device with the fleet token) within a
time limit, as one row per device. A device that does not answer is a row
too, saying why, so nobody is dropped from the list.

Devices are found by name or address in a hosts file, or by mDNS browse
(avahi-browse, from avahi-utils): every dashboard that advertises itself
as "Expression kiosk on NAME".
"""

from __future__ import annotations

import csv
import json
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from device.errors import KioskError

DEFAULT_PORT = 8080  # web.port's default
ADVERTISED_AS = "Expression kiosk on "  # systemd/avahi-dashboard.xml's service name
MAX_PARALLEL = 32
COLUMNS = ("name", "address", "version", "model", "last session", "free disk", "failing checks")


@dataclass(frozen=True)
class Target:
    label: str  # as the technician wrote it, or as mDNS named it
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Row:
    name: str
    address: str
    version: str = ""
    model: str = ""
    last_session: str = ""
    free_disk: str = ""
    failing: str = ""
    answered: bool = False

    @property
    def ok(self) -> bool:
        return self.answered and not self.failing

    def cells(self) -> tuple[str, ...]:
        return (self.name, self.address, self.version, self.model, self.last_session, self.free_disk, self.failing)


def parse_target(text: str, where: str) -> Target:
    """`NAME`, `NAME.local`, `ADDRESS` or any of them with `:PORT`. A bare
    name (no dot) is looked up by mDNS, as NAME.local."""
    host, colon, port_text = text.rpartition(":") if ":" in text else (text, "", "")
    if colon and not port_text.isdigit():
        raise KioskError(f"{where}: '{text}' has a bad port (HOST or HOST:PORT, such as kiosk-bed-12:8080)")
    port = int(port_text) if colon else DEFAULT_PORT
    if not host or not 0 < port < 65536 or any(c.isspace() or c in "/@?#[]" for c in host):
        raise KioskError(f"{where}: '{text}' is not a host (HOST or HOST:PORT, such as kiosk-bed-12)")
    if "." not in host and host != "localhost":
        host += ".local"
    return Target(text, host, port)


def read_hosts(path: Path) -> list[Target]:
    """One device a line; `#` starts a comment. Duplicates are kept once."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise KioskError(f"cannot read the hosts file {path} ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise KioskError(f"{path} is not text (UTF-8): one host name or address a line") from exc
    targets: dict[str, Target] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) > 1:
            raise KioskError(f"{path}, line {number}: one host a line, found '{' '.join(words)}'")
        target = parse_target(words[0], f"{path}, line {number}")
        targets.setdefault(target.address, target)
    return list(targets.values())


def _unescape(text: str) -> str:
    """avahi-browse --parsable writes a space as \\032 (a decimal escape)."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and text[i + 1 : i + 4].isdigit():
            out.append(chr(int(text[i + 1 : i + 4])))
            i += 4
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def browse(timeout: float) -> list[Target]:
    """The dashboards avahi sees on the LAN (IPv4), one per device."""
    tool = shutil.which("avahi-browse")
    if tool is None:
        raise KioskError("avahi-browse is missing: install avahi-utils, or list the devices in a hosts file")
    try:
        found = subprocess.run(
            [tool, "--parsable", "--resolve", "--terminate", "--no-db-lookup", "_http._tcp"],
            capture_output=True, text=True, timeout=timeout + 5, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise KioskError(f"avahi-browse did not finish within {timeout + 5:.0f} s") from exc
    if found.returncode != 0:
        why = (found.stderr.strip().splitlines() or [f"exit {found.returncode}"])[-1]
        raise KioskError(f"avahi-browse failed ({why}): is avahi-daemon running on this computer?")
    targets: dict[str, Target] = {}
    for line in found.stdout.splitlines():
        fields = line.split(";")
        if len(fields) < 9 or fields[0] != "=" or fields[2] != "IPv4":
            continue
        name = _unescape(fields[3])
        if not name.startswith(ADVERTISED_AS) or not fields[8].isdigit():
            continue
        target = Target(name.removeprefix(ADVERTISED_AS), fields[7], int(fields[8]))
        targets.setdefault(target.address, target)
    return sorted(targets.values(), key=lambda t: t.label)


def _why(exc: BaseException, timeout: float) -> str:
    """One line for a device that did not give its line."""
    if isinstance(exc, urllib.error.HTTPError):
        try:
            said = json.loads(exc.read().decode("utf-8", "replace")).get("error", "")
        except (ValueError, AttributeError, OSError):
            said = ""
        if exc.code == 401:
            return "refused the fleet token (a different token is set there)"
        return f"HTTP {exc.code}" + (f": {said}" if said else "")
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "no answer (connection refused: is the dashboard running?)"
    if isinstance(reason, socket.gaierror):
        return "name not found (on mDNS, is avahi running on this computer?)"
    if isinstance(reason, OSError) and reason.strerror:
        return f"no answer ({reason.strerror})"
    return f"no answer ({reason})"


def _row(target: Target, report: Any) -> Row:
    if not isinstance(report, dict) or not isinstance(report.get("device"), dict):
        return Row(target.label, target.address, failing="answered something that is not a device line")
    found = report["device"]
    checks = report.get("checks")
    checks = checks if isinstance(checks, list) else []
    failing = [str(c.get("name")) for c in checks if isinstance(c, dict) and c.get("outcome") == "FAIL"]
    free = found.get("disk_free_gb")
    return Row(
        name=str(found.get("name") or found.get("hostname") or target.label),
        address=target.address,
        version=str(found.get("software") or ""),
        model=str(found.get("model") or ""),
        last_session=str(found.get("last_session") or "none yet"),
        free_disk=f"{free:.1f} GB" if isinstance(free, int | float) else "",
        failing=", ".join(failing),
        answered=True,
    )


def fetch(target: Target, token: str, timeout: float) -> Row:
    request = urllib.request.Request(
        f"http://{target.address}/api/device",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _row(target, json.loads(response.read().decode("utf-8")))
    except (OSError, urllib.error.URLError) as exc:
        return Row(target.label, target.address, failing=_why(exc, timeout))
    except ValueError:
        return Row(target.label, target.address, failing="answered something that is not a device line")


def collect(targets: Iterable[Target], token: str, timeout: float) -> list[Row]:
    """Every target's row, in the order given, within about `timeout` seconds in all."""
    targets = list(targets)
    if not targets:
        return []
    pool = ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(targets)), thread_name_prefix="fleet")
    futures = [pool.submit(fetch, target, token, timeout) for target in targets]
    # Each request's own timeout bounds every wait on the network; this bounds
    # a device that answers, but a trickle at a time.
    wait(futures, timeout=timeout + 1)
    rows = [
        future.result()
        if future.done()
        else Row(target.label, target.address, failing=f"no answer within {timeout:g} s")
        for target, future in zip(targets, futures, strict=True)
    ]
    pool.shutdown(wait=False, cancel_futures=True)
    return rows


def print_table(rows: list[Row], out: IO[str]) -> None:
    table = [COLUMNS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS) - 1)]
    for line in table:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        print("  ".join([*cells, line[-1] or "-"]).rstrip(), file=out)


def write_csv(rows: list[Row], path: Path) -> None:
    try:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow([*COLUMNS, "ok"])
            for row in rows:
                writer.writerow([*row.cells(), "yes" if row.ok else "no"])
    except OSError as exc:
        raise KioskError(f"cannot write {path} ({exc.strerror})") from exc
