"""python -m ward [--config FILE] migrate | certificate --name N | enrol NAME [--revoke] | user add NAME | serve"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from device.clock import SYSTEM_CLOCK
from ward.config import WardConfigError, load_config
from ward.db import WardStoreError, connect_url, migrate, open_ward_database
from ward.devices import EnrolmentError, enrol, revoke
from ward.therapists import AccountError, add_therapist
from ward.tls import CertificateError, fingerprint, make_certificate


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ward", description="The ward server (docs/ward.md).")
    p.add_argument("--config", type=Path, help="the ward's TOML config (database URL, host, port, language)")
    commands = p.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="create or upgrade the ward's database schema")
    enrol_p = commands.add_parser("enrol", help="enrol a device: prints its token once")
    enrol_p.add_argument("name", help="the device's name (its provisioning DEVICE_NAME)")
    enrol_p.add_argument("--revoke", action="store_true", help="stop the device's token working")
    user = commands.add_parser("user", help="therapist accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    add = user_commands.add_parser("add", help="add a named therapist account")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    cert = commands.add_parser(
        "certificate", help="make the ward's self-signed TLS certificate (the config's tls_certificate and tls_key)"
    )
    cert.add_argument(
        "--name", action="append", required=True, help="a name or address devices reach the ward by (repeatable)"
    )
    commands.add_parser("serve", help="serve the ward on the config's host and port (gunicorn; https with tls_*)")
    return p


def run(args: argparse.Namespace) -> str:
    config = load_config(args.config)
    now = SYSTEM_CLOCK.now()
    if args.command == "migrate":
        db = connect_url(config.database)
        before, after = migrate(db)
        db.close()
        return f"ward database at schema version {after}" + (f" (was {before})" if before != after else "")
    if args.command == "certificate":
        if not config.tls_certificate:
            raise WardConfigError("set tls_certificate and tls_key in the ward's config first (docs/ward.md)")
        pin = make_certificate(Path(config.tls_certificate), Path(config.tls_key), args.name, now)
        return f"certificate for {', '.join(args.name)} in {config.tls_certificate}\nWARD_PIN={pin}"
    db = open_ward_database(config.database)
    if args.command == "enrol":
        with db.atomic():
            if args.revoke:
                revoke(args.name, now)
                return f"{args.name}: token revoked; the device's sessions stay on the ward"
            token = enrol(args.name, now)
        pin = f"\nWARD_PIN={fingerprint(Path(config.tls_certificate))}" if config.tls_certificate else ""
        return (
            f"{args.name} enrolled. Put these lines in its provisioning file (the token is shown only now):\n"
            f"WARD_TOKEN={token}{pin}"
        )
    if args.command == "user":
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            try:
                password = getpass.getpass(f"password for {args.name}: ")
                again = getpass.getpass("again: ")
            except EOFError:  # Ctrl-D, or no terminal and nothing to read: said in one line, not a traceback
                raise AccountError("no password given: type it twice, or pipe it in with --password-stdin") from None
            if again != password:
                raise AccountError("the two passwords differ")
        with db.atomic():
            add_therapist(args.name, password, now)
        return f"account '{args.name}' added"
    # serve
    from ward.app import create_app
    from ward.server import address, serve

    app = create_app(config, db, SYSTEM_CLOCK)
    print(f"ward server on {address(config)}", flush=True)
    serve(app, config)
    return "stopped"


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        print(run(args))
    except (WardConfigError, WardStoreError, EnrolmentError, AccountError, CertificateError) as exc:
        print(f"ward: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
