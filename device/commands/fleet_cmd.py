"""python -m device fleet: one row per device, collected in parallel from
the dashboards on the LAN; no ssh, no loop, no keyboard on any device.

  python -m device fleet HOSTS_FILE [--csv FILE] [--timeout S] [--token-file FILE]
  python -m device fleet --browse ...        the devices avahi sees instead of a file
  python -m device fleet --new-token         on a device: make and keep the fleet token

Exit status 0 when every device answered with every check passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from device.commands.common import load
from device.commands.doctor_cmd import as_data_owner
from device.commands.fleet_collect import browse, collect, print_table, read_hosts, write_csv
from device.commands.fleet_report import new_token
from device.errors import KioskError

TOKEN_ENV = "KIOSK_FLEET_TOKEN"


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("fleet", help="every device's version, model, last session, disk and failing checks")
    found = parser.add_mutually_exclusive_group(required=True)
    found.add_argument("hosts", nargs="?", type=Path, metavar="HOSTS_FILE", help="one device name or address a line")
    found.add_argument("--browse", action="store_true", help="find the devices by mDNS (avahi-browse)")
    found.add_argument("--new-token", action="store_true", help="on a device: make a new fleet token and print it")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="also write the rows to FILE")
    parser.add_argument("--timeout", type=float, default=5.0, metavar="S", help="seconds to wait for each device (5)")
    parser.add_argument(
        "--token-file", type=Path, metavar="FILE", help=f"the fleet token (or set {TOKEN_ENV} in the environment)"
    )
    parser.set_defaults(handler=run)


def _token(args: argparse.Namespace) -> str:
    if args.token_file is not None:
        try:
            token = args.token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise KioskError(f"cannot read the fleet token from {args.token_file} ({exc})") from exc
    else:
        token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise KioskError(
            f"no fleet token: give --token-file FILE or set {TOKEN_ENV} (a device makes one: fleet --new-token)"
        )
    return token


def run(args: argparse.Namespace) -> int:
    if args.new_token:
        config = load(args)
        with as_data_owner(config.data_dir):  # as root: the dashboard's user must read it
            token = new_token(config.data_dir)
        print(token)
        print(
            "the fleet token is set on this device; keep it for `python -m device fleet --token-file FILE`. "
            "Set it before sealing the card and every copy has it.",
            file=sys.stderr,
        )
        return 0
    if not 0 < args.timeout <= 600:
        raise KioskError(f"--timeout {args.timeout:g}: give seconds between 0 and 600")
    token = _token(args)
    targets = browse(args.timeout) if args.browse else read_hosts(args.hosts)
    if not targets:
        raise KioskError("no devices found" if args.browse else f"{args.hosts} lists no devices")
    rows = collect(targets, token, args.timeout)
    print_table(rows, sys.stdout)
    if args.csv is not None:
        write_csv(rows, args.csv)
    answered = sum(row.answered for row in rows)
    healthy = sum(row.ok for row in rows)
    print(f"{len(rows)} devices: {answered} answered, {healthy} with every check passed", file=sys.stderr)
    return 0 if healthy == len(rows) else 1
