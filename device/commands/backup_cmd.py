"""python -m device backup [PATH] [--keep N]: a consistent copy of the live database.

With no PATH the copy goes to the data folder's backups/ with the date and
time in its name, and only the newest N copies are kept (the nightly timer
in systemd/ runs this).
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from device.commands.common import load
from device.store.db import BACKUP_FOLDER, DB_NAME, StoreError, backup_to, open_database, translated_errors


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("backup", help="copy the database safely while the kiosk runs")
    parser.add_argument(
        "path", type=Path, nargs="?", help="the copy to write (default: DATA_DIR/backups/kiosk-DATE.sqlite)"
    )
    parser.add_argument("--keep", type=int, default=14, help="dated copies to keep in backups/ (default 14)")
    parser.set_defaults(handler=run)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` dated copies; returns what was deleted."""
    copies = sorted(folder.glob("kiosk-*.sqlite"))
    doomed = copies[: max(0, len(copies) - keep)]
    for path in doomed:
        path.unlink()
    return doomed


def run(args: argparse.Namespace) -> int:
    config = load(args)
    source = config.data_dir / DB_NAME
    if not source.exists():
        raise StoreError(f"there is no database at {source} yet: nothing to back up")
    if args.keep < 1:
        raise StoreError("--keep must be at least 1")
    target = args.path or config.data_dir / BACKUP_FOLDER / f"kiosk-{datetime.now():%Y%m%d-%H%M%S}.sqlite"
    db = open_database(source, recover=False)  # the kiosk may be mid-session
    with translated_errors(target):
        backup_to(db, target)
        removed = prune(target.parent, args.keep) if args.path is None else []
    print(f"backed up {source} to {target}" + (f"; removed {len(removed)} older copies" if removed else ""))
    return 0
