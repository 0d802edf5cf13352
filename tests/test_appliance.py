"""The appliance: systemd units that verify, the watchdog protocol, backups
with retention, configuration written for provisioning, and doctor on a
healthy set-up and on each broken condition it checks."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from benchmarks.servers import csrf_token, dashboard, free_port, login, opener
from device.config import load_config
from device.doctor import Outcome, check_clock
from device.service import Notifier
from device.store.db import DB_NAME, open_database
from device.store.models import Patient, PracticeRecord
from device.store.writer import writer
from tests.helpers import FIXTURES, ROOT, live_state, run_device

pytestmark = pytest.mark.slow  # runs the device as a user would: see the README's fast loop

UNITS = sorted((ROOT / "systemd").glob("*.service")) + sorted((ROOT / "systemd").glob("*.timer"))


def render_units(target: Path) -> list[Path]:
    rendered = []
    for unit in UNITS:
        path = target / unit.name
        path.write_text(unit.read_text().replace("@ROOT@", str(ROOT)))
        rendered.append(path)
    return rendered


# -- units and scripts ---------------------------------------------------------


def test_units_verify_with_systemd_analyze(tmp_path: Path) -> None:
    assert shutil.which("systemd-analyze"), "systemd-analyze is needed (Debian: systemd)"
    units = render_units(tmp_path)
    assert {u.name for u in units} >= {"expression-kiosk.service", "expression-kiosk-web.service",
                                       "expression-kiosk-backup.service", "expression-kiosk-backup.timer"}  # fmt: skip
    result = subprocess.run(
        ["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    broken = tmp_path / "broken.service"
    broken.write_text("[Service]\nExecStart=relative/path\n")
    assert subprocess.run(["systemd-analyze", "verify", str(broken)], capture_output=True, check=False).returncode != 0


def test_kiosk_unit_has_a_watchdog_a_dedicated_user_and_always_restarts() -> None:
    text = (ROOT / "systemd" / "expression-kiosk.service").read_text()
    for line in ("Type=notify", "WatchdogSec=", "User=kiosk", "SupplementaryGroups=video render input",
                 "Restart=always", "StateDirectory=expression-kiosk", "ConfigurationDirectory=expression-kiosk",
                 "NoNewPrivileges=yes", "ProtectSystem=strict"):  # fmt: skip
        assert line in text, line
    assert "PrivateDevices=yes" not in text  # the camera, the display and the touchscreen are devices


# systemd-analyze security's exposure (0 safe .. 10 exposed) each unit may reach at most.
EXPOSURE_LIMITS = {"expression-kiosk.service": 3.5, "expression-kiosk-web.service": 3.5,
                   "expression-kiosk-backup.service": 3.5}  # fmt: skip


@pytest.mark.parametrize("unit", sorted(EXPOSURE_LIMITS))
def test_units_are_hardened(unit: str, tmp_path: Path) -> None:
    """systemd's own assessment of the unit file (offline: nothing is installed)."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze comes with systemd (Debian's systemd package)"
    path = tmp_path / unit
    path.write_text((ROOT / "systemd" / unit).read_text().replace("@ROOT@", "/opt/expression-kiosk"))
    result = subprocess.run([analyze, "security", "--offline=true", str(path)], capture_output=True, text=True,
                            check=False)  # fmt: skip
    found = re.search(r"Overall exposure level for \S+: ([0-9.]+)", result.stdout + result.stderr)
    assert found, result.stdout + result.stderr
    assert float(found.group(1)) <= EXPOSURE_LIMITS[unit]


# What install.sh would change: the test checks that none of it appears.
INSTALL_TARGETS = (
    Path("/etc/expression-kiosk"),
    Path("/var/lib/expression-kiosk"),
    Path("/etc/systemd/system/expression-kiosk.service"),
    Path("/etc/systemd/journald.conf.d/expression-kiosk.conf"),
    Path("/etc/avahi/services/expression-kiosk.service"),
)


def test_install_script_refuses_without_root_and_checks_provisioning(tmp_path: Path) -> None:
    """Run with --check, so the suite never installs anything on the machine
    it runs on, even as root (as CI does)."""
    before = {path: path.exists() for path in INSTALL_TARGETS}
    install = ["bash", str(ROOT / "systemd" / "install.sh"), "--check"]
    result = subprocess.run(install, capture_output=True, text=True, check=False)
    as_root = subprocess.run(["id", "-u"], capture_output=True, text=True, check=False).stdout.strip() == "0"
    if not as_root:
        assert "run as root" in result.stderr
    unknown = tmp_path / "provision.env"
    unknown.write_text("DEVICE_NAME=bed-12\nWIFI=home\n")
    result = subprocess.run([*install, str(unknown)], capture_output=True, text=True, check=False)
    assert result.returncode != 0
    if as_root and "ProtectHome" not in result.stderr and "no systemd" not in result.stderr:
        assert "unknown key 'WIFI'" in result.stderr
    assert subprocess.run(["./setup.sh", "--provision", str(unknown)], cwd=ROOT, capture_output=True, text=True,
                          check=False).returncode != 0  # fmt: skip
    assert {path: path.exists() for path in INSTALL_TARGETS} == before, "the test changed the machine"


# -- the watchdog ----------------------------------------------------------------


def test_notifier_sends_ready_and_watchdog_pings_to_systemd(tmp_path: Path) -> None:
    address = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(address)
        server.settimeout(2)
        notifier = Notifier({"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "200000"})
        notifier.ready("kiosk running")
        assert server.recv(100) == b"READY=1\nSTATUS=kiosk running"
        notifier.alive()
        assert server.recv(100) == b"WATCHDOG=1"
        notifier.alive()  # too soon: nothing sent
        time.sleep(0.11)
        notifier.alive()
        assert server.recv(100) == b"WATCHDOG=1"
    silent = Notifier({})
    assert not silent.active
    silent.ready()  # outside systemd: does nothing, raises nothing


# -- backups and configuration ----------------------------------------------------


def test_nightly_backup_keeps_the_newest_copies(tmp_path: Path) -> None:
    open_database(tmp_path / DB_NAME)
    Patient.create(name="Mina")
    env = {"KIOSK_DATA_DIR": str(tmp_path)}
    backups = tmp_path / "backups"
    backups.mkdir()
    for day in range(1, 6):
        (backups / f"kiosk-202601{day:02d}-031500.sqlite").write_bytes(b"old")
    result = run_device("backup", "--keep", "3", env=env)
    assert result.returncode == 0, result.stderr
    copies = sorted(p.name for p in backups.glob("kiosk-*.sqlite"))
    assert len(copies) == 3
    assert copies[:2] == ["kiosk-20260104-031500.sqlite", "kiosk-20260105-031500.sqlite"]
    newest = backups / copies[-1]
    open_database(newest, recover=False)
    assert [p.name for p in Patient.select()] == ["Mina"]


def test_config_write_keeps_values_and_validates(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert run_device("config", "--write", str(path), "--set", "device.name=bed-12").returncode == 0
    assert run_device("config", "--write", str(path), "--set", "kiosk.language=en").returncode == 0
    config = load_config(path=path, env={})
    assert (config.device.name, config.kiosk.language) == ("bed-12", "en")
    bad = run_device("config", "--write", str(path), "--set", "kiosk.language=fr")
    assert bad.returncode == 2
    assert "kiosk.language" in bad.stderr
    assert load_config(path=path, env={}).kiosk.language == "en"  # unchanged


# -- doctor -------------------------------------------------------------------


@pytest.fixture
def healthy(tmp_path: Path, smoke_run: Path) -> Iterator[dict[str, str]]:
    """A data folder, the demo camera, a model with its card, a dashboard password and a running dashboard."""
    from device.web.security import set_password

    data = tmp_path / "data"
    open_database(data / DB_NAME)
    set_password(data, "a long password")
    env = {
        "KIOSK_DATA_DIR": str(data),
        "KIOSK_CAMERA": "demo",
        "KIOSK_EXPRESSION_MODEL": str(smoke_run / "model_int8.tflite"),
        "KIOSK_CONFIG": str(FIXTURES / "empty-config.toml"),
    }
    with dashboard({"PATH": "/usr/bin:/bin", **env}) as (base, _):
        yield env | {"KIOSK_WEB_HOST": "127.0.0.1", "KIOSK_WEB_PORT": base.rsplit(":", 1)[1]}


def doctor(env: dict[str, str]) -> tuple[int, dict[str, dict[str, str]]]:
    result = run_device("doctor", "--json", env=env, timeout=90)
    report = json.loads(result.stdout)
    return result.returncode, {c["name"]: c for c in report["checks"]}


def test_doctor_passes_a_healthy_device(healthy: dict[str, str]) -> None:
    code, checks = doctor(healthy)
    assert code == 0, checks
    assert {name for name, c in checks.items() if c["outcome"] == Outcome.PASS} >= {
        "camera", "landmark model", "expression model", "database", "disk space", "dashboard", "clock",
    }  # fmt: skip
    assert checks["services"]["outcome"] in {Outcome.PASS, Outcome.SKIP}


def test_doctor_names_each_broken_condition(healthy: dict[str, str], tmp_path: Path) -> None:
    corrupt_model = tmp_path / "model.tflite"
    shutil.copy(healthy["KIOSK_EXPRESSION_MODEL"], corrupt_model)
    shutil.copy(
        Path(healthy["KIOSK_EXPRESSION_MODEL"]).with_suffix(".card.json"), corrupt_model.with_suffix(".card.json")
    )
    with corrupt_model.open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\xff" * 16)
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / DB_NAME).write_bytes(b"SQLite format 3\x00" + b"\x00" * 4000)
    tight = tmp_path / "tight.toml"
    tight.write_text("[storage]\nmin_free_mb = 1000000000\n")
    cases = {
        "camera": {"KIOSK_CAMERA": f"replay:{tmp_path / 'unplugged'}"},
        "landmark model": {"KIOSK_LANDMARK_MODEL": str(tmp_path / "missing.dat")},
        "expression model": {"KIOSK_EXPRESSION_MODEL": str(corrupt_model)},
        "database": {"KIOSK_DATA_DIR": str(damaged)},
        "disk space": {"KIOSK_CONFIG": str(tight)},
        "dashboard": {"KIOSK_WEB_PORT": str(free_port())},
    }
    for name, change in cases.items():
        code, checks = doctor(healthy | change)
        failed = {n for n, c in checks.items() if c["outcome"] == Outcome.FAIL}
        assert code == 1, name
        assert name in failed, (name, checks)
        assert checks[name]["advice"], name  # says what to do


def test_doctor_catches_a_clock_that_went_back(tmp_path: Path) -> None:
    config = load_config(path=None, env={"KIOSK_DATA_DIR": str(tmp_path)})
    assert check_clock(config, now=datetime(1970, 1, 1)).outcome is Outcome.FAIL
    open_database(tmp_path / DB_NAME)
    patient = Patient.create(name="Mina")
    PracticeRecord.create(patient=patient, plan="[]", started=datetime(2026, 6, 1, 9), status="completed")
    assert check_clock(config, now=datetime(2026, 5, 1)).outcome is Outcome.FAIL
    assert check_clock(config, now=datetime(2026, 6, 1, 9) + timedelta(hours=1)).outcome is Outcome.PASS


# -- power cuts and full disks ----------------------------------------------------


def integrity(path: Path) -> str:
    import sqlite3

    with sqlite3.connect(path) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def test_sigkill_of_the_dashboard_mid_write_leaves_the_data_intact(healthy: dict[str, str]) -> None:
    """The real dashboard process, killed while a caregiver saves a plan."""
    import signal
    import threading
    import urllib.parse

    from device.web.security import set_password

    data = Path(healthy["KIOSK_DATA_DIR"])
    set_password(data, "a long password")
    env = {key: value for key, value in healthy.items() if key != "KIOSK_WEB_PORT"}  # a server of its own
    with dashboard({"PATH": "/usr/bin:/bin", **env}) as (base, server):
        client = opener(login(base, "a long password"))
        token = csrf_token(client, base + "/patients")
        client.open(base + "/patients", data=urllib.parse.urlencode({"name": "Mina", "csrf_token": token}).encode())
        patient_id = Patient.get(Patient.name == "Mina").id
        plan = {"csrf_token": token, "use_closed_smile": "on", "reps_closed_smile": "4", "effort": "gentle"}

        def save_plans() -> None:
            for _ in range(200):
                try:
                    client.open(f"{base}/patients/{patient_id}/plan", data=urllib.parse.urlencode(plan).encode()).read()
                except OSError:
                    return

        writer = threading.Thread(target=save_plans)
        writer.start()
        time.sleep(1.0)
        server.send_signal(signal.SIGKILL)
        writer.join(timeout=30)
    assert integrity(data / DB_NAME) == "ok"
    open_database(data / DB_NAME)
    from device.store.records import current_plan

    saved = current_plan(Patient.get(Patient.name == "Mina"))
    assert [(i.exercise.id, i.reps) for i in saved.items] == [("closed_smile", 4)]


def test_sigkill_of_the_headless_kiosk_leaves_the_data_intact(tmp_path: Path, right_smile_clip: Path) -> None:
    import signal

    data = tmp_path / "data"
    config = tmp_path / "config.toml"
    config.write_text(f'[device]\ndata_dir = "{data}"\n[camera]\nsource = "replay:{right_smile_clip}"\n')
    env = {"PATH": "/usr/bin:/bin", "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "KIOSK_CONFIG": str(config)}
    kiosk = subprocess.Popen([sys.executable, "-m", "ui"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            if (data / DB_NAME).exists():
                break
            time.sleep(0.1)
        time.sleep(2.0)  # running: the home screen, the database open
        assert kiosk.poll() is None, "the kiosk exited by itself"
        kiosk.send_signal(signal.SIGKILL)
        kiosk.wait(timeout=10)
    finally:
        kiosk.kill()
    assert integrity(data / DB_NAME) == "ok"
    open_database(data / DB_NAME)
    assert [p.name for p in Patient.select()] == ["환자"]  # the default patient, named in Korean as the kiosk speaks


def test_a_full_disk_is_a_clear_message_and_no_corruption(tmp_path: Path) -> None:
    """ENOSPC at the database layer: SQLite's page limit makes the file 'full'."""
    from device.practice.plan import default_plan
    from device.store.records import SessionRecorder

    path = tmp_path / DB_NAME
    db = open_database(path)
    patient = Patient.create(name="Mina")
    recorder = SessionRecorder(path, patient, default_plan())
    pages = db.execute_sql("PRAGMA page_count").fetchone()[0]
    # On the connection that writes: the store's writer thread's.
    writer().call(lambda: db.execute_sql(f"PRAGMA max_page_count = {pages + 1}"))
    for second in range(2000):  # a long session's timeline fills the remaining page
        recorder.sample(float(second), live_state(exercise_id="brow_raise"))
    assert recorder.flush(timeout=30)
    assert recorder.error is not None
    assert "the disk is full; free some space" in str(recorder.error)
    db.close()
    assert integrity(path) == "ok"
    open_database(path)
    assert PracticeRecord.select().count() == 1  # what was written before is still there


# -- updating ---------------------------------------------------------------------


def git(*args: str, cwd: Path) -> str:
    command = ["git", "-c", "user.email=ci@example.invalid", "-c", "user.name=ci", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def test_update_rolls_back_a_release_that_fails_its_checks(tmp_path: Path) -> None:
    """A clone of this checkout gets two releases: one that breaks the model
    card, one that is fine. The bad one is rolled back with the database put
    back; the good one stays."""
    clone = tmp_path / "kiosk"
    git("clone", "--quiet", str(ROOT), str(clone), cwd=tmp_path)
    (clone / ".venv").symlink_to(ROOT / ".venv")  # the same packages: set-up has nothing to install
    base = git("rev-parse", "HEAD", cwd=clone)
    card = clone / "device" / "models" / "expression.card.json"
    text = card.read_text()
    card.write_text(text.replace(json.loads(text)["file"]["sha256"], "0" * 64))
    git("commit", "--quiet", "-am", "a release whose model does not match its card", cwd=clone)
    git("tag", "v9.0.1", cwd=clone)
    git("checkout", "--quiet", base, cwd=clone)
    (clone / "NEWS.txt").write_text("a harmless release\n")
    git("add", "NEWS.txt", cwd=clone)
    git("commit", "--quiet", "-m", "a good release", cwd=clone)
    git("tag", "v9.0.2", cwd=clone)
    git("checkout", "--quiet", base, cwd=clone)

    data = tmp_path / "data"
    db = open_database(data / DB_NAME)
    Patient.create(name="Mina")
    db.close()  # the update replaces the file: nothing may hold it open
    env = {"PATH": "/usr/bin:/bin", "KIOSK_DATA_DIR": str(data), "KIOSK_CONFIG": str(FIXTURES / "empty-config.toml")}

    def update(ref: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "systemd/update.sh", "--no-services", ref], cwd=clone, env=env,
                              capture_output=True, text=True, timeout=600, check=False)  # fmt: skip

    bad = update("v9.0.1")
    assert bad.returncode != 0, bad.stdout + bad.stderr
    assert "rolled back" in bad.stderr
    assert git("rev-parse", "HEAD", cwd=clone) == base
    assert list((data / "backups").glob("before-update-*.sqlite"))
    open_database(data / DB_NAME)
    assert [p.name for p in Patient.select()] == ["Mina"]

    # A branch, a bare commit, revision expressions that name untagged commits: never an update target.
    for ref in ("main", base, "v9.0.2~1", "v9.0.2^{/harmless}", "refs/tags/v9.0.2^{}"):
        refused = update(ref)
        assert refused.returncode != 0
        assert "is not a release tag" in refused.stderr
        assert git("rev-parse", "HEAD", cwd=clone) == base

    for day in range(1, 6):  # old pre-update copies: only the newest few are kept
        (data / "backups" / f"before-update-2026010{day}-120000.sqlite").write_bytes(b"")
    good = update("refs/tags/v9.0.2")
    assert good.returncode == 0, good.stdout + good.stderr
    assert git("rev-parse", "HEAD", cwd=clone) == git("rev-parse", "v9.0.2^{commit}", cwd=clone)
    assert len(list((data / "backups").glob("before-update-*.sqlite"))) == 3


def test_doctor_fails_a_stopped_service_and_skips_where_none_are_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """systemctl's answers stand in for a device's systemd (this machine runs none)."""
    from device.doctor import check_services

    config = load_config(path=None, env={"KIOSK_DATA_DIR": str(tmp_path)})
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    systemctl = bin_dir / "systemctl"

    def answers(load_state: str, web_state: str) -> None:
        systemctl.write_text(
            "#!/bin/sh\n"
            f'if [ "$1" = show ]; then echo {load_state}; exit 0; fi\n'
            f'case "$2" in expression-kiosk-web.service) echo {web_state}; exit 3 ;; *) echo active ;; esac\n'
        )
        systemctl.chmod(0o755)

    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    answers("loaded", "failed")
    failed = check_services(config)
    assert failed.outcome is Outcome.FAIL
    assert "expression-kiosk-web failed" in failed.detail
    assert "journalctl" in failed.advice
    answers("loaded", "active")
    assert check_services(config).outcome is Outcome.PASS
    answers("not-found", "inactive")
    assert check_services(config).outcome is Outcome.SKIP


def test_doctor_json_carries_the_devices_inventory_line(tmp_path: Path) -> None:
    """What a technician collects from each device: name, where to find it,
    software and model versions, last session, free disk."""
    env = {"KIOSK_DATA_DIR": str(tmp_path), "KIOSK_WEB_PORT": "8099"}
    fresh = json.loads(run_device("doctor", "--json", "--software", env=env).stdout)
    found = fresh["device"]
    assert found["name"] == "연습 기기"  # the default is Korean, as the kiosk is
    assert found["address"].startswith("http://")
    assert found["address"].endswith(":8099/")
    assert found["mdns_address"] == f"http://{socket.gethostname()}.local:8099/"
    assert found["software"].startswith("0.")
    assert "(" in found["software"]  # git describe of the checkout
    assert "expression-efficientnet-b0" in found["model"]
    assert found["last_session"] is None
    assert found["disk_free_gb"] > 0
    db = open_database(tmp_path / DB_NAME)
    PracticeRecord.create(patient=Patient.create(name="Mina"), plan="[]", started=datetime(2026, 11, 24, 17, 2))
    db.close()
    again = json.loads(run_device("doctor", "--json", "--software", env=env).stdout)
    assert again["device"]["last_session"].startswith("2026-11-24 17:02")
    text = run_device("doctor", "--software", env=env).stdout
    assert f"dashboard {found['address']} or {found['mdns_address']}" in text
