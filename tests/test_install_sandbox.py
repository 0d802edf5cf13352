"""systemd/install.sh for real, as root, in a throwaway root (tests/sandbox.py):
what it writes, that a second run changes nothing, and that a failure is one
line. Nothing here can reach the machine the tests run on."""

from __future__ import annotations

import pwd
from pathlib import Path

import pytest

from device.config import load_config
from device.web.security import PASSWORD_FILE, check_password
from tests.helpers import ROOT
from tests.sandbox import Sandbox, available

pytestmark = [pytest.mark.slow, pytest.mark.skipif(available() is not None, reason=str(available()))]

PROVISION = (
    "# bed 12, ward 3\nDEVICE_NAME=kiosk-bed-12\nLANGUAGE=ko\nTIMEZONE=Asia/Seoul\nDASHBOARD_PASSWORD=blue heron 42\n"
)
STATE = ("etc", "var/lib", "boot")


def users(sandbox: Sandbox) -> dict[str, list[str]]:
    return {line.split(":")[0]: line.split(":") for line in sandbox.path("/etc/passwd").read_text().splitlines()}


def members(sandbox: Sandbox, group: str) -> list[str]:
    for line in sandbox.path("/etc/group").read_text().splitlines():
        name, _, _, listed = line.split(":")
        if name == group:
            return listed.split(",") if listed else []
    return []


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Sandbox, str]:
    """A desktop image with avahi, installed once with a provisioning file."""
    sandbox = Sandbox.create(tmp_path_factory.mktemp("install"), ROOT)
    sandbox.path("/boot/firmware/kiosk.env").write_text(PROVISION)
    sandbox.path("/stub-default-target").write_text("graphical.target\n")
    result = sandbox.run("systemd/install.sh /boot/firmware/kiosk.env")
    assert result.returncode == 0, result.stdout + result.stderr
    return sandbox, result.stdout


def test_install_creates_the_service_user_with_its_groups(installed: tuple[Sandbox, str]) -> None:
    sandbox, _ = installed
    kiosk = users(sandbox)["kiosk"]
    assert kiosk[5:] == ["/var/lib/expression-kiosk", "/usr/sbin/nologin"]
    assert int(kiosk[2]) < 1000  # a system user
    for group in ("video", "audio", "render", "input"):
        if any(line.startswith(group + ":") for line in sandbox.path("/etc/group").read_text().splitlines()):
            assert "kiosk" in members(sandbox, group), group
    data = sandbox.path("/var/lib/expression-kiosk")
    assert data.stat().st_uid == int(kiosk[2])
    assert oct(data.stat().st_mode & 0o777) == "0o750"


def test_install_writes_units_config_journal_cap_and_enables(installed: tuple[Sandbox, str]) -> None:
    sandbox, stdout = installed
    unit = sandbox.path("/etc/systemd/system/expression-kiosk.service").read_text()
    assert "ExecStart=/opt/expression-kiosk/.venv/bin/python -m ui" in unit
    assert "@ROOT@" not in unit
    for name in ("expression-kiosk-web.service", "expression-kiosk-backup.service", "expression-kiosk-backup.timer"):
        assert sandbox.path(f"/etc/systemd/system/{name}").exists(), name
    config = load_config(path=sandbox.path("/etc/expression-kiosk/config.toml"), env={})
    assert (config.device.name, config.kiosk.language) == ("kiosk-bed-12", "ko")
    assert config.device.data_dir == "/var/lib/expression-kiosk"
    journal = sandbox.path("/etc/systemd/journald.conf.d/expression-kiosk.conf").read_text()
    assert "SystemMaxUse=100M" in journal
    calls = sandbox.calls()
    assert (
        "systemctl enable --now expression-kiosk.service expression-kiosk-web.service expression-kiosk-backup.timer"
        in calls
    )
    # A desktop image starts on the console from now on, and install.sh says so.
    assert "systemctl set-default multi-user.target" in calls
    assert "starting on the console" in stdout
    assert "services installed and started" in stdout


def test_install_names_the_device_everywhere(installed: tuple[Sandbox, str]) -> None:
    sandbox, _ = installed
    assert sandbox.path("/etc/hostname").read_text().strip() == "kiosk-bed-12"
    hosts = sandbox.path("/etc/hosts").read_text().splitlines()
    assert [line for line in hosts if line.startswith("127.0.1.1")] == ["127.0.1.1\tkiosk-bed-12"]
    assert "127.0.0.1" in "".join(hosts)  # the rest of the file is kept
    advertised = sandbox.path("/etc/avahi/services/expression-kiosk.service").read_text()
    assert "<port>8080</port>" in advertised  # web.port's default
    assert "Expression kiosk on %h" in advertised
    assert "systemctl --no-block try-restart avahi-daemon.service" in sandbox.calls()  # a new name needs a restart
    assert sandbox.path("/etc/localtime").readlink() == Path("/usr/share/zoneinfo/Asia/Seoul")


def test_install_sets_the_password_and_removes_it_from_the_boot_partition(installed: tuple[Sandbox, str]) -> None:
    sandbox, stdout = installed
    data = sandbox.path("/var/lib/expression-kiosk")
    assert check_password(data, "blue heron 42")
    record = data / PASSWORD_FILE
    assert record.stat().st_uid == int(users(sandbox)["kiosk"][2])  # the service's, not root's
    left = sandbox.path("/boot/firmware/kiosk.env").read_text()
    assert "DASHBOARD_PASSWORD" not in left
    assert "heron" not in left
    assert "DEVICE_NAME=kiosk-bed-12" in left
    assert "the dashboard password was removed" in stdout


def test_a_second_install_changes_nothing(installed: tuple[Sandbox, str]) -> None:
    sandbox, _ = installed
    before = sandbox.state(*STATE)
    calls_before = len(sandbox.calls())
    again = sandbox.run("systemd/install.sh /boot/firmware/kiosk.env")
    assert again.returncode == 0, again.stdout + again.stderr
    after = sandbox.state(*STATE)
    changed = sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
    assert not changed, [(key, before.get(key), after.get(key)) for key in changed]
    repeated = sandbox.calls()[calls_before:]
    assert not any("avahi" in call or "set-default" in call for call in repeated), repeated
    assert "creating the system user" not in again.stdout


def test_install_failures_are_one_line(tmp_path: Path) -> None:
    sandbox = Sandbox.create(tmp_path, ROOT)
    sandbox.path("/boot/firmware/kiosk.env").write_text("DEVICE_NAME=kiosk-bed-12\nWIFI=home\n")
    refused = sandbox.run("systemd/install.sh /boot/firmware/kiosk.env")
    assert refused.returncode == 1
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith("install.sh: the provisioning file cannot be used:")
    assert "line 2: unknown key 'WIFI'" in line
    assert not sandbox.path("/etc/expression-kiosk").exists()  # refused before anything changed
    assert "kiosk" not in users(sandbox)

    # A step with no message of its own (here the units' folder is a file)
    # still ends in a line that names it, and never in a traceback.
    sandbox.path("/boot/firmware/kiosk.env").write_text("DEVICE_NAME=kiosk-bed-12\n")
    units = sandbox.path("/etc/systemd/system")
    if units.is_dir():
        import shutil

        shutil.rmtree(units)
    units.write_text("not a folder\n")
    broken = sandbox.run("systemd/install.sh /boot/firmware/kiosk.env")
    assert broken.returncode == 1
    assert "Traceback" not in broken.stderr
    assert broken.stderr.strip().splitlines()[-1].startswith("install.sh: stopped at line ")


def test_the_root_is_throwaway(installed: tuple[Sandbox, str]) -> None:
    """The machine's own /etc has none of it (the suite's hygiene check
    compares the files the install touches by content at the end as well)."""
    assert installed[0].path("/etc/hostname").read_text().strip() == "kiosk-bed-12"
    assert "kiosk-bed-12" not in Path("/etc/hostname").read_text()
    assert "kiosk" not in {entry.pw_name for entry in pwd.getpwall()}


def test_doctor_run_as_root_leaves_the_data_folder_to_the_service(installed: tuple[Sandbox, str]) -> None:
    """sudo doctor must not leave root's files (the database's -wal and -shm)
    where the service writes: it would then fail with "readonly database"."""
    sandbox, _ = installed
    config = "KIOSK_CONFIG=/etc/expression-kiosk/config.toml"
    kiosk = int(users(sandbox)["kiosk"][2])
    data = sandbox.path("/var/lib/expression-kiosk")
    fresh = sandbox.run(f"env {config} .venv/bin/python -m device doctor --software")
    assert "[skip] database" in fresh.stdout, fresh.stdout + fresh.stderr
    assert "(checked as kiosk, the owner of /var/lib/expression-kiosk)" in fresh.stderr
    assert not (data / "kiosk.sqlite").exists()  # the kiosk makes it, as its own

    create = (
        "from pathlib import Path; from device.store.db import open_database; "
        "open_database(Path('/var/lib/expression-kiosk/kiosk.sqlite')).close()"
    )
    made = sandbox.run(f'runuser -u kiosk -- env {config} .venv/bin/python -c "{create}"')
    assert made.returncode == 0, made.stderr
    checked = sandbox.run(f"env {config} .venv/bin/python -m device doctor --software")
    assert "[pass] database" in checked.stdout, checked.stdout + checked.stderr
    owners = {str(path.relative_to(data)): path.stat().st_uid for path in data.rglob("*")}
    assert "kiosk.sqlite" in owners
    assert set(owners.values()) == {kiosk}, owners
