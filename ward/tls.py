"""The ward's own TLS certificate (docs/ward.md, "Traffic"): made once on
the ward (python -m ward certificate), self-signed, and pinned on each device
at enrolment by its SHA-256 fingerprint (WARD_PIN in the provisioning file).
A hospital LAN has no public name to get a certificate for; the pin is what
the device trusts, so no certificate authority is involved.

Made with `cryptography` (the library Python's own ecosystem uses for
X.509); the server (gunicorn) and the device (urllib3) use Python's ssl.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID_YEARS = 10  # a device is enrolled for its life: a shorter certificate would need every device re-pinned


class CertificateError(Exception):
    """The certificate cannot be made or read; the message says why."""


def fingerprint_of_der(der: bytes) -> str:
    """ "AB:CD:...": the SHA-256 of the certificate, as openssl and browsers show it."""
    return ":".join(f"{byte:02X}" for byte in hashlib.sha256(der).digest())


def fingerprint(certificate: Path) -> str:
    try:
        loaded = x509.load_pem_x509_certificate(certificate.read_bytes())
    except OSError as exc:
        raise CertificateError(f"cannot read the ward's certificate {certificate} ({exc.strerror})") from exc
    except ValueError as exc:
        raise CertificateError(f"{certificate} is not a PEM certificate ({exc})") from exc
    return fingerprint_of_der(loaded.public_bytes(serialization.Encoding.DER))


def _subject_names(names: list[str]) -> list[x509.GeneralName]:
    """DNS names and IP addresses, as the devices' WARD_URL names the ward."""
    general: list[x509.GeneralName] = []
    for name in names:
        try:
            general.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            general.append(x509.DNSName(name))
    return general


def make_certificate(certificate: Path, key: Path, names: list[str], now: datetime) -> str:
    """A new key (P-256) and a self-signed certificate for `names`, valid
    from `now` for VALID_YEARS; the key readable by its owner only. Returns
    the certificate's fingerprint. Refuses to replace an existing pair: every
    enrolled device pins the old one."""
    if not names:
        raise CertificateError("name the ward as the devices reach it (--name ward.hospital.lan, or an address)")
    for path in (certificate, key):
        if path.exists():
            raise CertificateError(
                f"{path} exists: every enrolled device pins the certificate there; remove it first to make a new one"
            )
    private = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0][:64])])
    start = now.astimezone(UTC) - timedelta(days=1)  # a device whose clock is a little behind
    built = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * VALID_YEARS))
        .add_extension(x509.SubjectAlternativeName(_subject_names(names)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    key.parent.mkdir(parents=True, exist_ok=True)
    certificate.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(
            private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    certificate.write_bytes(built.public_bytes(serialization.Encoding.PEM))
    return fingerprint_of_der(built.public_bytes(serialization.Encoding.DER))
