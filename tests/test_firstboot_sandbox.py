"""The clone-twenty-cards path in a throwaway root (tests/sandbox.py): a
prepared card is sealed, then a copy's first boot applies its own kiosk.env
and makes its own identity (machine-id, SSH host keys, dashboard secret,
empty database)."""

from __future__ import annotations

import re

import pytest

from device.web.security import PASSWORD_FILE, SECRET_FILE, check_password
from tests.helpers import ROOT
from tests.sandbox import Sandbox, available

pytestmark = [pytest.mark.slow, pytest.mark.skipif(available() is not None, reason=str(available()))]

DATA = "/var/lib/expression-kiosk"
PENDING = "/etc/expression-kiosk/firstboot-pending"


def host_keys(sandbox: Sandbox) -> dict[str, bytes]:
    return {key.name: key.read_bytes() for key in sandbox.path("/etc/ssh").glob("ssh_host_*")}


def test_a_sealed_card_boots_as_its_own_device(tmp_path_factory: pytest.TempPathFactory) -> None:
    sandbox = Sandbox.create(tmp_path_factory.mktemp("firstboot"), ROOT)
    prepared_env = "DEVICE_NAME=kiosk-prepared\nDASHBOARD_PASSWORD=prepared pw 1\n"
    sandbox.path("/boot/firmware/kiosk.env").write_text(prepared_env)
    # The prepared card: installed, used once (a database, a secret), with SSH host keys.
    prepared = sandbox.run(
        "systemd/install.sh /boot/firmware/kiosk.env && ssh-keygen -A && "
        "runuser -u kiosk -- env KIOSK_CONFIG=/etc/expression-kiosk/config.toml .venv/bin/python -c "
        "'from device.store.db import open_database; from device.config import load_config; "
        "from device.web.security import secret_key; c = load_config(); "
        'open_database(c.data_dir / "kiosk.sqlite").close(); secret_key(c.data_dir)\''
    )
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    data = sandbox.path(DATA)
    secret = (data / SECRET_FILE).read_bytes()
    keys = host_keys(sandbox)
    assert keys
    assert (data / "kiosk.sqlite").exists()
    assert "systemctl enable expression-kiosk-firstboot.service" in sandbox.calls()

    sealed = sandbox.run("systemd/firstboot.sh --seal")
    assert sealed.returncode == 0, sealed.stdout + sealed.stderr
    assert "copy this card now" in sealed.stdout
    assert sandbox.path(PENDING).exists()
    assert sandbox.path("/etc/machine-id").read_text() == ""
    assert not host_keys(sandbox)
    assert sorted(p.name for p in data.iterdir()) == []  # no patient data, no secret, no password

    # A copy of the card, with its own kiosk.env on its boot partition.
    sandbox.path("/boot/firmware/kiosk.env").write_text(
        "DEVICE_NAME=kiosk-bed-13\nLANGUAGE=en\nTIMEZONE=Asia/Seoul\nDASHBOARD_PASSWORD=bed 13 password\n"
    )
    calls = len(sandbox.calls())
    booted = sandbox.run("systemd/firstboot.sh")
    assert booted.returncode == 0, booted.stdout + booted.stderr
    assert "kiosk-bed-13 has its own identity" in booted.stdout
    assert re.fullmatch(r"[0-9a-f]{32}\n", sandbox.path("/etc/machine-id").read_text())
    new_keys = host_keys(sandbox)
    assert new_keys.keys() == keys.keys()
    assert all(new_keys[name] != keys[name] for name in keys)
    assert sandbox.path("/etc/hostname").read_text().strip() == "kiosk-bed-13"
    assert "127.0.1.1\tkiosk-bed-13" in sandbox.path("/etc/hosts").read_text()
    config = sandbox.path("/etc/expression-kiosk/config.toml").read_text()
    assert 'name = "kiosk-bed-13"' in config
    assert 'language = "en"' in config
    assert check_password(data, "bed 13 password")
    assert not check_password(data, "prepared pw 1")
    assert (data / PASSWORD_FILE).exists()
    assert not (data / "kiosk.sqlite").exists()  # the kiosk starts an empty one
    assert not (data / SECRET_FILE).exists() or (data / SECRET_FILE).read_bytes() != secret
    assert "DASHBOARD_PASSWORD" not in sandbox.path("/boot/firmware/kiosk.env").read_text()
    assert not sandbox.path(PENDING).exists()
    # Before the services, which start after it: enabled, never started from inside it.
    assert not any("--now" in call for call in sandbox.calls()[calls:])

    again = sandbox.run("systemd/firstboot.sh")
    assert again.returncode == 0
    assert "not a first boot" in again.stdout
    assert host_keys(sandbox) == new_keys
