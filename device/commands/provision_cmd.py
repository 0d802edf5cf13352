"""python -m device provision FILE: read and check a provisioning file (what
systemd/install.sh does with it, on the parser in device/provisioning.py)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from device.provisioning import KEYS, forget, forget_password, read


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("provision", help="check a provisioning file (DEVICE_NAME, LANGUAGE, TIMEZONE, ...)")
    parser.add_argument("file", type=Path, metavar="FILE")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--shell", action="store_true", help="print the values as shell assignments (install.sh)")
    mode.add_argument(
        "--forget-password", action="store_true", help="remove DASHBOARD_PASSWORD from FILE once it is set"
    )
    mode.add_argument(
        "--forget-ward-token", action="store_true", help="remove WARD_TOKEN from FILE once it is installed"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    found = read(args.file)  # ProvisioningError: one line naming the line
    if args.forget_password:
        if forget_password(args.file):
            print(f"the dashboard password was removed from {args.file}; it is kept only as a hash on the device")
        return 0
    if args.forget_ward_token:
        if forget(args.file, "WARD_TOKEN"):
            print(f"the ward token was removed from {args.file}; it is kept only in the device's token file")
        return 0
    if args.shell:
        for key in KEYS:
            print(f"{key}={shlex.quote(found.get(key) or '')}")
        return 0
    for key in KEYS:
        value = found.get(key)
        shown = "not set" if value is None else (f"set ({len(value)} characters)" if "PASSWORD" in key else value)
        print(f"{key:<19} {shown}")
    if not found.values:
        print(f"{args.file}: sets nothing (no KEY=VALUE line; the keys are {', '.join(KEYS)})", file=sys.stderr)
    else:
        print(f"{args.file}: fine", file=sys.stderr)
    return 0
