"""The device page: what a technician or therapist checks at a glance."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import Blueprint, current_app, render_template

from device.inventory import model_version, software_version
from device.store.db import BACKUP_FOLDER, DB_NAME

blueprint = Blueprint("device_page", __name__)


@dataclass(frozen=True)
class DeviceFacts:
    name: str
    software: str
    model: str
    camera: str
    disk_free_gb: float
    disk_total_gb: float
    database_mb: float
    last_backup: datetime | None


def _last_backup(data_dir: Path) -> datetime | None:
    folder = data_dir / BACKUP_FOLDER
    times = [p.stat().st_mtime for p in folder.glob("*.sqlite")] if folder.is_dir() else []
    return datetime.fromtimestamp(max(times)) if times else None


def device_facts(data_dir: Path, name: str, camera_source: str) -> DeviceFacts:
    usage = shutil.disk_usage(data_dir)
    database = data_dir / DB_NAME
    return DeviceFacts(
        name=name,
        software=software_version(),
        model=model_version(),
        camera=camera_source,  # the setting's value; the page words it
        disk_free_gb=usage.free / 1e9,
        disk_total_gb=usage.total / 1e9,
        database_mb=database.stat().st_size / 1e6 if database.exists() else 0.0,
        last_backup=_last_backup(data_dir),
    )


@blueprint.route("/device")
def show() -> str:
    config = current_app.config
    facts = device_facts(config["DATA_DIR"], config["DEVICE_NAME"], config["CAMERA_SOURCE"])
    return render_template("device.html", facts=facts)
