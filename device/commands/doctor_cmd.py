"""python -m device doctor: is this device fit to use? One line per check,
what to do for each failure, exit status 1 if any failed.

Run as root (sudo), the checks act as the owner of the data folder (the
service user), so nothing they open, such as the database's -wal and -shm
files, becomes root's and unwritable by the services."""

from __future__ import annotations

import argparse
import json
import os
import pwd
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from device.commands.common import add_camera_option, load
from device.doctor import CHECKS, SOFTWARE_CHECKS, Outcome, run_checks
from device.errors import KioskError
from device.inventory import inventory
from device.support_bundle import write_bundle


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("doctor", help="check camera, models, database, disk, services, dashboard and clock")
    add_camera_option(parser)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--software", action="store_true", help="only what an update can break: models, database, disk")
    parser.add_argument(
        "--bundle", type=Path, metavar="FILE", help="also write a support archive (tar.gz) for the technician"
    )
    parser.set_defaults(handler=run)


@contextmanager
def as_data_owner(data_dir: Path) -> Iterator[str | None]:
    """As root: act as the data folder's owner (its name, or None when
    nothing changes) until the block ends, then be root again (the support
    bundle reads the journal as root)."""
    if os.geteuid() != 0 or not data_dir.exists() or data_dir.stat().st_uid == 0:
        yield None
        return
    owner = data_dir.stat()
    try:
        name = pwd.getpwuid(owner.st_uid).pw_name
        groups = os.getgrouplist(name, owner.st_gid)
    except KeyError:
        name, groups = str(owner.st_uid), [owner.st_gid]
    saved = os.getgroups()
    os.setgroups(groups)
    os.setegid(owner.st_gid)
    os.seteuid(owner.st_uid)
    try:
        yield name
    finally:
        os.seteuid(0)
        os.setegid(0)
        os.setgroups(saved)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    if args.bundle is not None and not args.bundle.parent.is_dir():
        raise KioskError(f"cannot write {args.bundle}: no folder {args.bundle.parent}")
    with as_data_owner(config.data_dir) as owner:
        checks = run_checks(config, SOFTWARE_CHECKS if args.software else CHECKS)
        found = inventory(config)
    if owner is not None:
        print(f"(checked as {owner}, the owner of {config.data_dir})", file=sys.stderr)
    failed = [c for c in checks if c.outcome is Outcome.FAIL]
    report = {"ok": not failed, "device": found.as_dict(), "checks": [asdict(c) for c in checks]}
    if args.json:
        # One device's inventory line: the technician collects these from every device.
        print(json.dumps(report, indent=1))
    else:
        print(f"device {found.name} ({found.hostname}), software {found.software}")
        print(f"dashboard {found.address} or {found.mdns_address}")
        print(f"last session {found.last_session or 'none yet'}; {found.disk_free_gb:.1f} GB free")
        for check in checks:
            print(f"[{check.outcome.value:>4}] {check.name:<17} {check.detail}")
            if check.advice and check.outcome is Outcome.FAIL:
                print(f"{'':7}{'':18}-> {check.advice}")
        print("all checks passed" if not failed else f"{len(failed)} check(s) failed")
    if args.bundle is not None:
        try:
            write_bundle(args.bundle, config, report)
        except OSError as exc:
            raise KioskError(f"cannot write {args.bundle} ({exc.strerror})") from exc
        print(f"support archive written to {args.bundle}", file=sys.stderr)
    return 1 if failed else 0
