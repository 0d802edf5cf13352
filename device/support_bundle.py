"""`doctor --bundle FILE`: one archive a technician sends when a device
misbehaves, so nobody has to ssh in and collect the pieces by hand.

It holds doctor's report (the checks and the inventory line), the software,
model, Python and OS versions, the effective settings without secrets, the
last journal lines of each unit, and the database's integrity result. It
never holds the database itself, the dashboard's password hash or its secret
key: patients' data stays on the device.
"""

from __future__ import annotations

import io
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tarfile
import time
from pathlib import Path

from device.config import Config
from device.store.db import DB_NAME

UNITS = (
    "expression-kiosk.service",
    "expression-kiosk-web.service",
    "expression-kiosk-backup.service",
    "expression-kiosk-firstboot.service",
    "avahi-daemon.service",
)
JOURNAL_LINES = 300
# A setting whose name says it is a secret is shown as set or not, never its value.
SECRET_WORDS = ("password", "secret", "token", "key")


def versions(report: dict[str, object]) -> str:
    device = report.get("device", {})
    assert isinstance(device, dict)
    release = Path("/etc/os-release")
    pretty = ""
    if release.exists():
        for line in release.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("PRETTY_NAME="):
                pretty = line.partition("=")[2].strip('"')
    return "\n".join(
        [
            f"software  {device.get('software', '?')}",
            f"model     {device.get('model', '?')}",
            f"python    {platform.python_version()} ({platform.machine()})",
            f"os        {pretty or platform.platform()}",
            f"kernel    {platform.release()}",
            "",
        ]
    )


def settings_without_secrets(config: Config) -> str:
    lines = [f"# effective settings of {config.path or 'no file (defaults and environment)'}"]
    for key in sorted(config.values):
        value = config.values[key]
        if any(word in key.rsplit(".", 1)[-1].lower() for word in SECRET_WORDS):
            value = "(set, not shown)" if value else "(not set)"
        lines.append(f"{key} = {value!r}  # {config.sources.get(key, '?')}")
    return "\n".join(lines) + "\n"


def journal(unit: str) -> str:
    tool = shutil.which("journalctl")
    if tool is None:
        return "no journalctl on this system\n"
    try:
        shown = subprocess.run(
            [tool, "-u", unit, "-n", str(JOURNAL_LINES), "--no-pager", "-o", "short-iso"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return "journalctl did not answer within 30 s\n"
    return shown.stdout + (f"\n(journalctl: {shown.stderr.strip()})\n" if shown.stderr.strip() else "")


def database_integrity(data_dir: Path) -> str:
    """PRAGMA integrity_check, read-only: the file is neither created nor changed."""
    path = data_dir / DB_NAME
    if not path.exists():
        return f"{path}: not created yet\n"
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as connection:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
            version = connection.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        return f"{path}: cannot be checked ({exc})\n"
    result = "; ".join(str(row[0]) for row in rows)
    return f"{path}: {path.stat().st_size:,} bytes, schema version {version}, integrity {result}\n"


def write_bundle(path: Path, config: Config, report: dict[str, object]) -> list[str]:
    """Write the archive (tar.gz, readable by its owner only); the names it holds."""
    members: dict[str, str] = {
        "doctor.json": json.dumps(report, indent=1, ensure_ascii=False) + "\n",
        "versions.txt": versions(report),
        "settings.txt": settings_without_secrets(config),
        "database.txt": database_integrity(config.data_dir),
    }
    for unit in UNITS:
        members[f"journal/{unit}.txt"] = journal(unit)
    folder = path.name.removesuffix(".tar.gz").removesuffix(".tgz") or "support"
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    now = time.time()
    with tarfile.open(temporary, "w:gz") as archive:
        for name, text in members.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size, info.mtime, info.mode = len(data), int(now), 0o600
            archive.addfile(info, io.BytesIO(data))
    temporary.chmod(0o600)
    os.replace(temporary, path)
    return list(members)
