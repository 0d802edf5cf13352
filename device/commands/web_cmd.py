"""python -m device web: the caregiver dashboard, served on the LAN by waitress.

waitress is a production WSGI server in pure Python: multi-threaded, no
compiler needed on a Pi, and no Flask development server in production.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from device.commands.common import load
from device.errors import KioskError
from device.passwords import PasswordError
from device.web.security import set_password


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("web", help="serve the caregiver dashboard on the LAN")
    parser.add_argument("--set-password", action="store_true", help="set the caregiver's password (asked, or stdin)")
    parser.set_defaults(handler=run)


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("new dashboard password: ")
        if getpass.getpass("again: ") != first:
            raise PasswordError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")  # unattended provisioning: piped in, never on the command line


def run(args: argparse.Namespace) -> int:
    config = load(args)
    if args.set_password:
        try:
            set_password(config.data_dir, _read_password())
        except PasswordError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print("dashboard password set")
        return 0

    import waitress

    from device.commands import fleet_report
    from device.store.db import DB_NAME, open_database
    from device.web import create_app

    # The kiosk may be mid-session: never close "running" sessions from here.
    app = create_app(config, open_database(config.data_dir / DB_NAME, recover=False))
    fleet_report.install(app, config)  # GET /api/device for `python -m device fleet`
    host, port = config.web.host, config.web.port
    try:
        server = waitress.create_server(app, host=host, port=port, threads=config.web.threads, ident="kiosk")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise KioskError(
            f"the dashboard cannot listen on {host}:{port} ({reason}): is another dashboard running? "
            "Stop it, or set web.port / web.host"
        ) from exc
    print(f"caregiver dashboard on http://{host}:{port}/ (Ctrl-C stops)", flush=True)
    try:
        server.run()
    finally:
        server.close()
    return 0
