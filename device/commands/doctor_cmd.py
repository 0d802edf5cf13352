"""python -m device doctor: is this device fit to use? One line per check,
what to do for each failure, exit status 1 if any failed."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from device.commands.common import add_camera_option, load
from device.doctor import CHECKS, SOFTWARE_CHECKS, Outcome, run_checks
from device.inventory import inventory


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("doctor", help="check camera, models, database, disk, services, dashboard and clock")
    add_camera_option(parser)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--software", action="store_true", help="only what an update can break: models, database, disk")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    checks = run_checks(config, SOFTWARE_CHECKS if args.software else CHECKS)
    failed = [c for c in checks if c.outcome is Outcome.FAIL]
    found = inventory(config)
    if args.json:
        # One device's inventory line: the technician collects these from every device.
        print(
            json.dumps({"ok": not failed, "device": found.as_dict(), "checks": [asdict(c) for c in checks]}, indent=1)
        )
    else:
        print(f"device {found.name} ({found.hostname}), software {found.software}")
        print(f"dashboard {found.address} or {found.mdns_address}")
        print(f"last session {found.last_session or 'none yet'}; {found.disk_free_gb:.1f} GB free")
        for check in checks:
            print(f"[{check.outcome.value:>4}] {check.name:<17} {check.detail}")
            if check.advice and check.outcome is Outcome.FAIL:
                print(f"{'':7}{'':18}-> {check.advice}")
        print("all checks passed" if not failed else f"{len(failed)} check(s) failed")
    return 1 if failed else 0
