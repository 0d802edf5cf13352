"""python -m device backup PATH: a consistent copy of the live database."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from device.commands.common import load
from device.store.db import DB_NAME, StoreError, backup_to, open_database, translated_errors


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("backup", help="copy the database safely while the kiosk runs")
    parser.add_argument("path", type=Path, help="the copy to write (an existing file is replaced)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    source = config.data_dir / DB_NAME
    if not source.exists():
        raise StoreError(f"there is no database at {source} yet: nothing to back up")
    db = open_database(source)
    with translated_errors(args.path):
        backup_to(db, args.path)
    print(f"backed up {source} to {args.path}")
    return 0
