"""systemd/update.sh for real, as root, in a throwaway root (tests/sandbox.py),
on an installed device whose checkout is a clone with release tags signed by
a test key: an unsigned tag is refused, a tag whose install fails is rolled
back with the previous version's services started, a good tag stays.

The systemctl stub records every call, so the tests read which services
were stopped and started, and in what order. Set-up runs offline
(PIP_NO_INDEX): the clone shares this checkout's packages (hard links)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.sandbox import Sandbox, available

pytestmark = [pytest.mark.slow, pytest.mark.skipif(available() is not None, reason=str(available()))]

KEYRING = "/etc/expression-kiosk/update-keyring.gpg"
UNITS = "expression-kiosk.service expression-kiosk-web.service"
UPDATE = "env PIP_NO_INDEX=1 systemd/update.sh"
# What the device has from apt (setup.sh --services checks it); the throwaway
# root's /var/lib starts empty, and this machine has no avahi.
AVAHI_PACKAGES = "".join(
    f"Package: {name}\nStatus: install ok installed\nArchitecture: all\nVersion: 0.8-10\n\n"
    for name in ("avahi-daemon", "avahi-utils")
)


def git(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    command = ["git", "-c", "user.email=ci@example.invalid", "-c", "user.name=ci", *args]
    full_env = None if env is None else os.environ | env
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True, env=full_env).stdout.strip()


def make_key(home: Path, name: str) -> str:
    """A signing key with no passphrase in its own gpg home; its fingerprint."""
    home.mkdir(mode=0o700)
    subprocess.run(["gpg", "--batch", "--homedir", str(home), "--passphrase", "", "--quick-gen-key",
                    f"{name} <{name}@example.invalid>", "ed25519", "sign", "never"],
                   capture_output=True, check=True, timeout=60)  # fmt: skip
    listed = subprocess.run(["gpg", "--homedir", str(home), "--with-colons", "--list-secret-keys"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    return next(line.split(":")[9] for line in listed.splitlines() if line.startswith("fpr:"))


@dataclass
class Device:
    sandbox: Sandbox
    clone: Path
    base: str

    def head(self) -> str:
        return git("rev-parse", "HEAD", cwd=self.clone)

    def update(self, tag: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
        """Run the update; its result and the init-system calls it made."""
        before = len(self.sandbox.calls())
        result = self.sandbox.run(f"{UPDATE} {tag}", timeout=600)
        return result, [c for c in self.sandbox.calls()[before:] if c.startswith("systemctl ")]

    def patients(self) -> str:
        query = (
            "import sqlite3; "
            "db = sqlite3.connect('/var/lib/expression-kiosk/kiosk.sqlite'); "
            "print(db.execute('SELECT name FROM patient').fetchall())"
        )
        return self.sandbox.run(f'.venv/bin/python -c "{query}"').stdout.strip()


@pytest.fixture(scope="module")
def device(tmp_path_factory: pytest.TempPathFactory) -> Device:
    folder = tmp_path_factory.mktemp("update")
    clone = folder / "checkout"
    git("clone", "--quiet", str(ROOT), str(clone), cwd=folder)
    subprocess.run(["cp", "-al", str(ROOT / ".venv"), str(clone / ".venv")], check=True)
    base = git("rev-parse", "HEAD", cwd=clone)

    signer = folder / "gnupg-release"
    key = make_key(signer, "release")
    stranger = folder / "gnupg-other"
    other = make_key(stranger, "stranger")

    def release(tag: str, change: str, home: Path | None, fingerprint: str = "") -> None:
        git("checkout", "--quiet", base, cwd=clone)
        if change == "broken install":
            install = clone / "systemd" / "install.sh"
            text = install.read_text()
            install.write_text(
                text.replace(
                    "set -euo pipefail\n", "set -euo pipefail\necho 'install.sh: broken on purpose' >&2; exit 1\n", 1
                )
            )
        else:
            (clone / "NEWS.txt").write_text(f"{change}\n")
            git("add", "NEWS.txt", cwd=clone)
        git("commit", "--quiet", "-am", change, cwd=clone)
        if home is None:
            git("tag", "-a", "-m", change, tag, cwd=clone)
        else:
            git("tag", "-s", "-u", fingerprint, "-m", change, tag, cwd=clone, env={"GNUPGHOME": str(home)})

    release("v9.1.0", "a good release", signer, key)
    release("v9.1.1", "broken install", signer, key)
    release("v9.1.2", "an unsigned release", None)
    release("v9.1.3", "signed by someone else", stranger, other)
    git("checkout", "--quiet", base, cwd=clone)

    sandbox = Sandbox.create(folder, clone, writable_checkout=True)
    status = sandbox.path("/var/lib/dpkg/status")
    status.parent.mkdir(parents=True)
    shutil.copy("/var/lib/dpkg/status", status)
    with status.open("a") as more:
        more.write("\n" + AVAHI_PACKAGES)
    sandbox.path("/boot/firmware/kiosk.env").write_text("DEVICE_NAME=kiosk-bed-12\nDASHBOARD_PASSWORD=blue heron 42\n")
    installed = sandbox.run("systemd/install.sh /boot/firmware/kiosk.env")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    create = (
        "from pathlib import Path; from device.store.db import open_database; from device.store.models import Patient; "
        "open_database(Path('/var/lib/expression-kiosk/kiosk.sqlite')); Patient.create(name='Mina')"
    )
    made = sandbox.run(
        f'runuser -u kiosk -- env KIOSK_CONFIG=/etc/expression-kiosk/config.toml .venv/bin/python -c "{create}"'
    )
    assert made.returncode == 0, made.stderr
    exported = subprocess.run(
        ["gpg", "--homedir", str(signer), "--export", key], capture_output=True, check=True
    ).stdout
    sandbox.path(KEYRING).write_bytes(exported)
    return Device(sandbox, clone, base)


def test_tags_without_a_configured_key_s_signature_are_refused_before_anything_changes(device: Device) -> None:
    for tag, why in (("v9.1.2", "unsigned"), ("v9.1.3", "signed by a key not in the keyring")):
        result, calls = device.update(tag)
        assert result.returncode == 1, why
        assert result.stderr.strip().splitlines()[-1] == (
            f"update.sh: '{tag}' is not signed by a key in {KEYRING}; nothing was changed"
        ), result.stderr
        assert calls == [], why  # the services were never stopped
        assert device.head() == device.base
    assert not list(device.sandbox.path("/var/lib/expression-kiosk/backups").glob("before-update-*"))


def test_a_release_whose_install_fails_is_rolled_back_and_its_services_started(device: Device) -> None:
    result, calls = device.update("v9.1.1")
    assert result.returncode == 1
    assert "v9.1.1 is signed by a key in" in result.stdout
    assert "install.sh: broken on purpose" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"update.sh: update to v9.1.1 failed; rolled back to {device.base[:12]} and started its services"
    )
    assert "database restored from /var/lib/expression-kiosk/backups/before-update-" in last
    assert device.head() == device.base
    # Stopped before the backup; after the rollback the previous install
    # (its own install.sh) enables them again, and update.sh starts them.
    assert calls[0] == f"systemctl stop {UNITS}"
    assert calls[-1] == f"systemctl start {UNITS}"
    assert any(call.startswith("systemctl enable --now expression-kiosk.service") for call in calls)
    assert device.patients() == "[('Mina',)]"
    assert "broken on purpose" not in (device.clone / "systemd" / "install.sh").read_text()


def test_a_signed_good_release_is_installed_and_started(device: Device) -> None:
    result, calls = device.update("refs/tags/v9.1.0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert device.head() == git("rev-parse", "v9.1.0^{commit}", cwd=device.clone)
    assert calls[0] == f"systemctl stop {UNITS}"
    assert calls[-1] == f"systemctl start {UNITS}"
    assert f"systemctl stop {UNITS}" not in calls[1:]  # no rollback
    assert device.patients() == "[('Mina',)]"
    assert len(list(device.sandbox.path("/var/lib/expression-kiosk/backups").glob("before-update-*.sqlite"))) == 2
