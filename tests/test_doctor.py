"""doctor on a working device: next to a running kiosk that holds the camera
(its heartbeat), with no camera, its new checks (dashboard password, mDNS
name, time synchronisation), the support bundle, and a fresh data folder
left as it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.servers import dashboard
from device.config import load_config
from device.doctor import Outcome, camera_in_use, check_dashboard_password, check_mdns, check_time_sync
from device.heartbeat import FRESH_S, HEARTBEAT_FILE, Beat, Heartbeat, read
from device.store.db import DB_NAME, open_database
from device.web.security import PASSWORD_FILE, SECRET_FILE, set_password
from tests.helpers import FIXTURES, run_device

os.environ["SDL_VIDEODRIVER"] = "dummy"  # the kiosk, headless, before pygame opens a display
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

pytestmark = pytest.mark.slow  # a kiosk, a dashboard and doctor as processes

PASSWORD = "blue heron 42"


def doctor(env: dict[str, str], *extra: str) -> tuple[int, dict[str, dict[str, str]], str]:
    result = run_device("doctor", "--json", *extra, env=env, timeout=90)
    assert result.stdout.startswith("{"), result.stderr
    report = json.loads(result.stdout)
    return result.returncode, {c["name"]: c for c in report["checks"]}, result.stderr


@pytest.fixture
def device(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A data folder with a password and a database, and the real dashboard.
    Doctor's own camera is a replay of a file that does not exist: like a
    Pi camera the kiosk holds, doctor cannot open it."""
    data = tmp_path / "data"
    open_database(data / DB_NAME).close()
    set_password(data, PASSWORD)
    env = {"KIOSK_DATA_DIR": str(data), "KIOSK_CONFIG": str(FIXTURES / "empty-config.toml")}
    with dashboard({"PATH": "/usr/bin:/bin", **env}) as (base, _):
        yield env | {
            "KIOSK_WEB_HOST": "127.0.0.1",
            "KIOSK_WEB_PORT": base.rsplit(":", 1)[1],
            "KIOSK_CAMERA": f"replay:{tmp_path / 'held-by-the-kiosk'}",
        }


def test_doctor_passes_beside_a_running_kiosk_and_fails_without_a_camera(
    device: dict[str, str], right_smile_clip: Path
) -> None:
    import pygame

    from ui.app import Kiosk

    data = Path(device["KIOSK_DATA_DIR"])
    overrides = {
        "device.data_dir": str(data),
        "camera.source": f"replay:{right_smile_clip}",
        "camera.replay_loop": True,
    }
    pygame.display.init()
    pygame.font.init()
    kiosk = Kiosk(load_config(path=None, env={}, overrides=overrides), pygame.display.set_mode((800, 480)))
    pipeline = kiosk.open_pipeline()  # what the practice screens do: the kiosk now holds the camera
    try:
        for _ in range(100):
            if (data / HEARTBEAT_FILE).exists():
                break
            time.sleep(0.1)
        code, checks, _ = doctor(device)
        assert code == 0, checks
        camera = checks["camera"]
        assert camera["outcome"] == Outcome.PASS
        assert f"frames to process {os.getpid()}" in camera["detail"]  # from the heartbeat, not by opening it
        assert {name for name, c in checks.items() if c["outcome"] == Outcome.PASS} >= {
            "camera", "database", "dashboard", "password", "clock",
        }  # fmt: skip
    finally:
        pipeline.stop()
        pygame.quit()
    assert not (data / HEARTBEAT_FILE).exists()  # the camera was released, and the note with it
    code, checks, _ = doctor(device)
    assert code == 1
    assert checks["camera"]["outcome"] == Outcome.FAIL
    assert checks["camera"]["advice"]


def test_doctor_writes_a_support_bundle_without_secrets(device: dict[str, str], tmp_path: Path) -> None:
    bundle = tmp_path / "bed-12.tar.gz"
    code, _, stderr = doctor(device, "--bundle", str(bundle))
    assert code == 1  # no camera: the bundle is written all the same
    assert "support archive written to" in stderr
    assert oct(bundle.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(bundle) as archive:
        texts = {
            member.name.split("/", 1)[1]: archive.extractfile(member).read().decode()  # type: ignore[union-attr]
            for member in archive.getmembers()
        }
    assert {"doctor.json", "versions.txt", "settings.txt", "database.txt"} <= texts.keys()
    assert "journal/expression-kiosk.service.txt" in texts
    report = json.loads(texts["doctor.json"])
    assert report["checks"][0]["name"] == "camera"
    assert report["device"]["software"] in texts["versions.txt"]
    assert "integrity ok" in texts["database.txt"]
    assert "device.data_dir" in texts["settings.txt"]
    data = Path(device["KIOSK_DATA_DIR"])
    for secret in (PASSWORD_FILE, SECRET_FILE):
        if (data / secret).exists():
            kept = (data / secret).read_bytes()
            assert not any(kept[:24] in text.encode() for text in texts.values()), secret
    assert not any(PASSWORD in text for text in texts.values())
    assert run_device("doctor", "--bundle", str(tmp_path / "no" / "such" / "b.tgz"), env=device).stderr.startswith(
        "error: cannot write"
    )


def test_doctor_leaves_a_fresh_data_folder_uncreated(tmp_path: Path) -> None:
    data = tmp_path / "nothing-yet"
    result = run_device("doctor", "--software", "--json", env={"KIOSK_DATA_DIR": str(data)})
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["database"]["outcome"] == Outcome.SKIP
    assert "not created yet" in checks["database"]["detail"]
    assert not data.exists()


def test_the_camera_heartbeat(tmp_path: Path) -> None:
    config = load_config(path=None, env={"KIOSK_DATA_DIR": str(tmp_path)})
    assert camera_in_use(config) is None  # no note: doctor opens the camera itself
    clock = iter([1000.0, 1001.0, 1006.0])
    heartbeat = Heartbeat(tmp_path, clock=lambda: next(clock))
    heartbeat.beat("picamera2", True, 640, 480)
    heartbeat.beat("picamera2", True, 640, 480)  # within WRITE_EVERY_S: not written again
    assert read(tmp_path) == Beat("picamera2", True, 640, 480, 1000.0, os.getpid())
    fresh = camera_in_use(config, now=1003.0)
    assert fresh is not None
    assert fresh.outcome is Outcome.PASS
    assert "picamera2 delivering 640x480" in fresh.detail
    stale = camera_in_use(config, now=1000.0 + FRESH_S + 1)
    assert stale is not None
    assert stale.outcome is Outcome.FAIL
    assert "restart expression-kiosk" in stale.advice
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (tmp_path / HEARTBEAT_FILE).write_text(json.dumps({**read(tmp_path).__dict__, "pid": gone.pid}))
    assert camera_in_use(config, now=1003.0) is None  # a killed kiosk's last note: the camera is free
    heartbeat.beat("picamera2", True, 640, 480)
    heartbeat.stop()
    assert not (tmp_path / HEARTBEAT_FILE).exists()


def stub(folder: Path, name: str, script: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text("#!/bin/sh\n" + script)
    (folder / name).chmod(0o755)


def test_time_sync_and_mdns_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """timedatectl's and avahi-resolve's answers stand in for a device's (this machine runs no systemd)."""
    config = load_config(path=None, env={"KIOSK_DATA_DIR": str(tmp_path)})
    bin_dir = tmp_path / "bin"
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    stub(bin_dir, "timedatectl", 'echo "$ANSWER"\n')
    monkeypatch.setenv("ANSWER", "yes")
    assert check_time_sync(config).outcome is Outcome.PASS
    monkeypatch.setenv("ANSWER", "no")
    unsynced = check_time_sync(config)
    assert unsynced.outcome is Outcome.FAIL
    assert "network" in unsynced.advice
    stub(bin_dir, "timedatectl", 'echo "System has not been booted with systemd" >&2; exit 1\n')
    assert check_time_sync(config).outcome is Outcome.SKIP

    services = tmp_path / "avahi"
    services.mkdir()
    assert check_mdns(config, services).outcome is Outcome.SKIP  # not advertised: a development checkout
    (services / "expression-kiosk.service").write_text("<service-group/>")
    name = f"{__import__('socket').gethostname()}.local"
    stub(bin_dir, "avahi-resolve", f'[ "$3" = "{name}" ] && [ -z "$OLD_NAME" ] && printf "%s\\t192.168.1.42\\n" "$3" '
         '&& exit 0; echo "Failed to resolve host name" >&2; exit 1\n')  # fmt: skip
    answered = check_mdns(config, services)
    assert answered.outcome is Outcome.PASS, answered
    assert "192.168.1.42" in answered.detail
    monkeypatch.setenv("OLD_NAME", "1")  # avahi still announces the name it started with
    stale = check_mdns(config, services)
    assert stale.outcome is Outcome.FAIL
    assert "restart avahi-daemon" in stale.advice


def test_password_check(tmp_path: Path) -> None:
    config = load_config(path=None, env={"KIOSK_DATA_DIR": str(tmp_path)})
    missing = check_dashboard_password(config)
    assert missing.outcome is Outcome.FAIL
    assert "--set-password" in missing.advice
    set_password(tmp_path, PASSWORD)
    assert check_dashboard_password(config).outcome is Outcome.PASS
