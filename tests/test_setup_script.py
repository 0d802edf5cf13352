"""setup.sh's checks that come before minutes of apt and pip: a 32-bit OS, a
bad provisioning file, and apt's lock held by another program, each said in
one line. The real setup.sh runs with dpkg, dpkg-query and apt-get replaced
by scripts in a temporary folder at the front of PATH (they record how they
were called), so nothing is installed and the machine is not changed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers import ROOT

LOCKED = (
    "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 812 (unattended-upgr)\n"
    "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?\n"
)


def stubs(folder: Path, arch: str = "arm64", apt_errors: str = "") -> Path:
    """dpkg says `arch`; dpkg-query finds no package installed; apt-get
    records its arguments and fails with `apt_errors` when given."""
    bin_ = folder / "bin"
    bin_.mkdir()
    log = folder / "calls.log"
    scripts = {
        "dpkg": f'#!/bin/sh\necho "dpkg $*" >> {log}\n[ "$1" = --print-architecture ] && echo {arch}\nexit 0\n',
        "dpkg-query": f'#!/bin/sh\necho "dpkg-query $*" >> {log}\nexit 1\n',
        "apt-get": f'#!/bin/sh\necho "apt-get $*" >> {log}\n'
        + (f"printf '%s' '{apt_errors}' >&2\nexit 100\n" if apt_errors else "exit 0\n"),
    }
    for name, text in scripts.items():
        (bin_ / name).write_text(text)
        (bin_ / name).chmod(0o755)
    return bin_


def setup(folder: Path, *args: str, arch: str = "arm64", apt_errors: str = "") -> tuple[int, str, list[str]]:
    bin_ = stubs(folder, arch, apt_errors)
    result = subprocess.run(["bash", str(ROOT / "setup.sh"), *args], cwd=folder, env={"PATH": f"{bin_}:/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    log = folder / "calls.log"
    calls = log.read_text().splitlines() if log.exists() else []
    return result.returncode, result.stderr, calls


@pytest.mark.parametrize("arch", ["armhf", "i386"])
def test_a_32_bit_system_is_refused_in_one_line_before_apt(tmp_path: Path, arch: str) -> None:
    status, stderr, calls = setup(tmp_path, arch=arch)
    assert status == 1
    assert stderr == (
        f"setup.sh: this is a 32-bit system ({arch}): the kiosk needs a 64-bit OS, "
        "such as Raspberry Pi OS (64-bit); nothing was installed\n"
    )
    assert not any(call.startswith(("apt-get", "dpkg-query")) for call in calls)


def test_a_bad_provisioning_file_is_refused_before_apt_and_pip(tmp_path: Path) -> None:
    env_file = tmp_path / "kiosk.env"
    env_file.write_text("DEVICE_NAME=kiosk-bed-12\nWIFI=home\n")
    status, stderr, calls = setup(tmp_path, "--services", "--provision", "kiosk.env")  # relative to where it is run
    assert status == 1
    [line] = stderr.strip().splitlines()
    assert line.startswith("setup.sh: the provisioning file cannot be used: ")
    assert "line 2: unknown key 'WIFI'" in line
    assert line.endswith("nothing was installed")
    assert not any(call.startswith(("apt-get", "dpkg-query")) for call in calls)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    missing = setup(elsewhere, "--services", "--provision", "missing.env")
    assert missing[:2] == (1, "setup.sh: --provision missing.env: no such file\n")


def test_a_held_apt_lock_says_so_not_check_the_network(tmp_path: Path) -> None:
    status, stderr, calls = setup(tmp_path, apt_errors=LOCKED)
    assert status == 1
    assert stderr == (
        "setup.sh: apt is busy: another program (held by process 812 (unattended-upgr)) holds its lock, such as "
        "unattended-upgrades after the first boot; wait until it finishes, then run setup.sh again\n"
    )
    assert calls[-1] == "apt-get update -qq"  # stopped there: nothing installed


def test_a_failing_network_is_still_the_network(tmp_path: Path) -> None:
    status, stderr, _ = setup(tmp_path, apt_errors="E: Failed to fetch http://deb.debian.org/ Temporary failure\n")
    assert status == 1
    assert "E: Failed to fetch" in stderr  # apt's own words are shown
    assert stderr.strip().splitlines()[-1] == (
        "setup.sh: apt-get update failed: check the network and /etc/apt/sources.list"
    )


def test_services_install_avahi_utils_for_doctor(tmp_path: Path) -> None:
    """With --services, the missing packages asked for include avahi-utils
    (avahi-resolve: doctor's name check). apt-get fails here so nothing runs after it."""
    _, _, calls = setup(tmp_path, "--services", apt_errors="E: Failed to fetch\n")
    queried = [call.split()[-1] for call in calls if call.startswith("dpkg-query")]
    assert {"avahi-daemon", "avahi-utils"} <= set(queried)
