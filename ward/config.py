"""The ward server's configuration: a TOML file (docs/ward.md), with the
database URL also taken from WARD_DATABASE (so a unit file can set it)."""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE = "sqlite:///ward.sqlite"  # a trial only: a ward runs on PostgreSQL


class WardConfigError(Exception):
    """The configuration cannot be used; the message names the key."""


@dataclass(frozen=True)
class WardConfig:
    database: str = DEFAULT_DATABASE
    host: str = "127.0.0.1"
    port: int = 8470
    language: str = "ko"
    secret_key: str = ""
    # The patients' histories in the device's schema (ward/patient_history.py): a cache, rebuilt when missing.
    # Empty: a temporary folder removed when the server stops.
    cache_dir: str = ""
    # The ward's TLS certificate and key (python -m ward certificate makes them; ward/tls.py). Both or neither:
    # with them the ward serves https, which devices pin; without, plain http, which devices take only on loopback.
    tls_certificate: str = ""
    tls_key: str = ""


def load_config(path: Path | None) -> WardConfig:
    values: dict[str, object] = {}
    if path is not None:
        try:
            with path.open("rb") as handle:
                values = tomllib.load(handle)
        except OSError as exc:
            raise WardConfigError(f"cannot read {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise WardConfigError(f"{path} is not valid TOML: {exc}") from exc
    unknown = set(values) - {
        "database",
        "host",
        "port",
        "language",
        "secret_key",
        "cache_dir",
        "tls_certificate",
        "tls_key",
    }
    if unknown:
        raise WardConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    database = os.environ.get("WARD_DATABASE") or str(values.get("database", DEFAULT_DATABASE))
    port = values.get("port", 8470)
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise WardConfigError(f"{path}: port must be a number from 1 to 65535")
    language = str(values.get("language", "ko"))
    if language not in ("ko", "en"):
        raise WardConfigError(f"{path}: language must be ko or en")
    # Without a configured key, logins last until the server restarts.
    secret = str(values.get("secret_key") or secrets.token_hex(32))
    cache_dir = str(values.get("cache_dir", ""))
    certificate, key = str(values.get("tls_certificate", "")), str(values.get("tls_key", ""))
    if bool(certificate) != bool(key):
        raise WardConfigError(f"{path}: tls_certificate and tls_key go together: set both or neither")
    host = str(values.get("host", "127.0.0.1"))
    return WardConfig(database, host, port, language, secret, cache_dir, certificate, key)
