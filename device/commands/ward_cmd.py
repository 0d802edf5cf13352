"""python -m device ward-link: deliver this device's finished sessions to its
ward server (device/ward_link.py, docs/ward.md) until stopped.

It runs as its own service (systemd/expression-kiosk-ward.service), not as a
thread of the kiosk or the dashboard: the network is the one thing here that
may hang or fail for hours, and in its own process it can neither slow the
practice nor take the dashboard down, it restarts on its own, and a device
with no ward never runs it. The store is SQLite in WAL mode, so it reads and
writes the outbox beside the kiosk and the dashboard.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from device.commands.common import load
from device.inventory import software_version
from device.store.db import DB_NAME, open_database
from device.ward_link import WardLink, backlog, configured


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("ward-link", help="send finished sessions to the ward server (ward.url) until stopped")
    parser.add_argument("--once", action="store_true", help="send what is waiting once, then say what is left")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    ward = configured(config)  # WardLinkError: one line saying what is missing
    if ward is None:
        print("no ward configured (ward.url): nothing to send; the kiosk keeps every session", file=sys.stderr)
        return 0
    url, token, pin = ward
    # Never closes the kiosk's running session: only the kiosk recovers cut-off ones.
    open_database(config.data_dir / DB_NAME, recover=False)
    link = WardLink(url, token, pin=pin, software=software_version())
    if args.once:
        sent = link.deliver_due()
        left = backlog()
        print(f"{sent} session(s) delivered to {url}; {left} waiting" + (f" ({link.last_error})" if left else ""))
        return 0 if link.last_error is None else 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    print(f"sending finished sessions to {url} (Ctrl-C stops)", flush=True)
    try:
        link.run(stop)
    except KeyboardInterrupt:
        stop.set()
    return 0
