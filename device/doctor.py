"""Checks that a device is fit to use: one line each, pass or fail, and what to do.

Each check is a function of the configuration that returns a Check; none of
them changes anything (the database is opened without closing running
sessions, the write test is rolled back).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from device import heartbeat, ward_link
from device.camera import CameraError, is_live, open_camera
from device.config import Config
from device.expression.classifier import classifier_from_config
from device.inventory import last_session
from device.practice.catalogue import catalogue
from device.practice.model_fit import describe, unscorable
from device.store.db import DB_NAME, StoreError, open_database
from device.vision.analysis import load_landmarker
from device.vision.model_files import ModelError
from device.ward_address import WardLinkError
from device.ward_plans import refused_plans

SERVICES = ("expression-kiosk.service", "expression-kiosk-web.service", "expression-kiosk-backup.timer")
# A Raspberry Pi has no battery-backed clock: until NTP answers it may think
# it is 1970, and sessions would be filed under the wrong days.
CLOCK_FLOOR = datetime(2026, 1, 1)
FRAME_TIMEOUT_S = 5.0
WARD_TIMEOUT_S = 5.0  # doctor on the device waits for the ward; the fleet view waits less (fleet_report.py)


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "FAIL"
    SKIP = "skip"  # not applicable here (e.g. services on a development checkout)


@dataclass(frozen=True)
class Check:
    name: str
    outcome: Outcome
    detail: str
    advice: str = ""


def check_camera(config: Config) -> Check:
    """The camera opens and delivers a frame within FRAME_TIMEOUT_S. The frame is
    read on a worker thread, so a camera that hangs cannot hang doctor. A
    camera the kiosk holds is judged by its heartbeat instead (camera_in_use)."""
    held = camera_in_use(config)
    if held is not None:
        return held
    try:
        camera = open_camera(config)
    except CameraError as exc:
        return Check("camera", Outcome.FAIL, str(exc), "plug the camera in (ribbon or USB) and run doctor again")
    reader = ThreadPoolExecutor(max_workers=1)
    try:
        frame = reader.submit(camera.read).result(timeout=FRAME_TIMEOUT_S)
    except (CameraError, TimeoutError) as exc:
        detail = str(exc) or f"no frame within {FRAME_TIMEOUT_S:.0f} s"
        return Check("camera", Outcome.FAIL, detail, "check the camera cable, then run doctor again")
    finally:
        reader.shutdown(wait=False)
        camera.close()
    height, width = frame.image.shape[:2]
    return _delivering(config, f"{camera.name} delivering {width}x{height} frames", live=is_live(camera))


def _delivering(config: Config, delivering: str, *, live: bool) -> Check:
    """A camera that delivers frames passes, unless it is a recording on an
    installed device, which practises on its patient's face only."""
    if not live:
        if config.installed:
            return Check(
                "camera",
                Outcome.FAIL,
                f"{delivering}: a recording, not a camera; the patient's practice would not be recorded",
                'set camera.source = "auto" (python -m device config) and plug the camera in',
            )
        return Check("camera", Outcome.PASS, f"{delivering} (a recording: no camera is connected)")
    return Check("camera", Outcome.PASS, delivering)


def check_landmark_model(config: Config) -> Check:
    try:
        landmarker = load_landmarker(config)
    except ModelError as exc:
        return Check("landmark model", Outcome.FAIL, str(exc), "run ./setup.sh (it installs libdlib-data)")
    return Check("landmark model", Outcome.PASS, str(landmarker.model_path))


def check_expression_model(config: Config) -> Check:
    try:
        classifier = classifier_from_config(config)
    except ModelError as exc:
        return Check("expression model", Outcome.FAIL, str(exc), "reinstall the software (git checkout, ./setup.sh)")
    return Check("expression model", Outcome.PASS, f"{classifier.model_path.name} matches its card")


def check_model_exercises(config: Config) -> Check:
    """Every expression exercise's class is one the expression model has (model_fit)."""
    try:
        classes = classifier_from_config(config).classes
    except ModelError:
        return Check("model vs exercises", Outcome.SKIP, "no usable expression model (see its own check)")
    missing = unscorable(classes, catalogue().values())
    if missing:
        return Check(
            "model vs exercises",
            Outcome.FAIL,
            f"{describe(missing, classes)}: those exercises are refused",
            "install a model with those classes, or put the previous one back: python -m device models --rollback",
        )
    scored = f"the model scores every expression exercise ({', '.join(classes)})"
    return Check("model vs exercises", Outcome.PASS, scored)


def check_database(config: Config) -> Check:
    path = config.data_dir / DB_NAME
    advice = "restore the newest copy from backups/ (README: backing up and restoring)"
    if not path.exists():  # doctor creates nothing: the kiosk makes the database when it first starts
        return Check("database", Outcome.SKIP, f"{path} not created yet (the kiosk creates it when it starts)")
    try:
        db = open_database(path, recover=False)
        result = db.execute_sql("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            return Check("database", Outcome.FAIL, f"{path} is damaged ({result})", advice)
        # Take the write lock and give it back: proves the file and its folder are writable.
        db.execute_sql("BEGIN IMMEDIATE")
        db.execute_sql("ROLLBACK")
        with tempfile.NamedTemporaryFile(dir=path.parent):
            pass
    except (StoreError, sqlite3.Error, OSError) as exc:
        return Check("database", Outcome.FAIL, str(exc), advice)
    except Exception as exc:  # peewee wraps sqlite errors in its own types
        return Check("database", Outcome.FAIL, f"{path}: {exc}", advice)
    return Check("database", Outcome.PASS, f"{path} writable, integrity ok")


def check_disk(config: Config) -> Check:
    folder = config.data_dir
    while not folder.exists():  # not created yet: the disk it will be on (doctor creates nothing)
        folder = folder.parent
    usage = shutil.disk_usage(folder)
    free_mb = usage.free / 1e6
    minimum = config.storage.min_free_mb
    detail = f"{free_mb:,.0f} MB free of {usage.total / 1e6:,.0f} MB on the data disk"
    if free_mb < minimum:
        return Check(
            "disk space", Outcome.FAIL, detail + f" (under {minimum} MB)", "delete old backups or use a larger SD card"
        )
    return Check("disk space", Outcome.PASS, detail)


def check_services(config: Config) -> Check:
    del config
    if shutil.which("systemctl") is None:
        return Check("services", Outcome.SKIP, "no systemd here")
    states = {}
    for unit in SERVICES:
        load = subprocess.run(
            ["systemctl", "show", "-p", "LoadState", "--value", unit], capture_output=True, text=True, check=False
        ).stdout.strip()
        if load in {"not-found", ""}:
            states[unit] = "not installed"
            continue
        active = subprocess.run(["systemctl", "is-active", unit], capture_output=True, text=True, check=False)
        states[unit] = active.stdout.strip() or "unknown"
    if all(s == "not installed" for s in states.values()):
        return Check(
            "services", Outcome.SKIP, "not installed (a development checkout: ./setup.sh --services installs them)"
        )
    detail = ", ".join(f"{unit.split('.')[0]} {state}" for unit, state in states.items())
    if any(state != "active" for state in states.values()):
        return Check(
            "services", Outcome.FAIL, detail, "journalctl -u expression-kiosk -e shows why; sudo systemctl restart it"
        )
    return Check("services", Outcome.PASS, detail)


def check_dashboard(config: Config) -> Check:
    host = config.web.host
    host = "127.0.0.1" if host in {"0.0.0.0", "", "::"} else host
    url = f"http://{host}:{config.web.port}/health"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            if response.status == 200:
                return Check("dashboard", Outcome.PASS, f"{url} answers")
            detail = f"{url} answered HTTP {response.status}"
    except OSError as exc:
        detail = f"{url} does not answer ({getattr(exc, 'reason', exc)})"
    return Check("dashboard", Outcome.FAIL, detail, "start it: sudo systemctl start expression-kiosk-web")


def check_clock(config: Config, now: datetime | None = None) -> Check:
    now = now or datetime.now()
    advice = "connect the device to the network so it can set its clock (timedatectl shows the state)"
    if now < CLOCK_FLOOR:
        return Check("clock", Outcome.FAIL, f"it says {now:%Y-%m-%d %H:%M}, before this software existed", advice)
    # The inventory's read-only look at the newest session: no second open of
    # the store (its migration and writer) after the database check's, and
    # nothing created where there is no database (the database check reports that).
    newest = last_session(config.data_dir)
    started = datetime.fromisoformat(newest) if newest else None
    if started is not None and started > now:
        return Check(
            "clock",
            Outcome.FAIL,
            f"it says {now:%Y-%m-%d %H:%M}, before the last session ({started:%Y-%m-%d})",
            advice,
        )
    return Check("clock", Outcome.PASS, f"{now:%Y-%m-%d %H:%M}")


def camera_in_use(config: Config, now: float | None = None) -> Check | None:
    """The camera as the process holding it reports it (device/heartbeat.py).
    None when no running process has noted a frame: doctor then opens the
    camera itself (libcamera would refuse it to a second process)."""
    beat = heartbeat.read(config.data_dir)
    if beat is None or not heartbeat.holder_alive(beat):
        return None
    age = beat.age(time.time() if now is None else now)
    holder = f"process {beat.pid}"
    if age > heartbeat.FRESH_S:
        return Check(
            "camera",
            Outcome.FAIL,
            f"{beat.camera} is held by {holder}, but its last frame came {age:.0f} s ago",
            "check the camera cable, then: sudo systemctl restart expression-kiosk",
        )
    delivering = f"{beat.camera} delivering {beat.width}x{beat.height} frames to {holder} ({age:.0f} s ago)"
    return _delivering(config, delivering, live=beat.live)


def check_dashboard_password(config: Config) -> Check:
    from device.web.security import password_is_set  # only here: the dashboard's packages load slowly

    if password_is_set(config.data_dir):
        return Check("password", Outcome.PASS, "the dashboard password is set (kept as a hash)")
    return Check(
        "password",
        Outcome.FAIL,
        "no dashboard password is set: nobody can log in to the dashboard",
        "from the checkout: sudo -u kiosk env KIOSK_CONFIG=/etc/expression-kiosk/config.toml "
        ".venv/bin/python -m device web --set-password",
    )


AVAHI_SERVICES = Path("/etc/avahi/services")


def check_mdns(config: Config, services: Path = AVAHI_SERVICES) -> Check:
    """avahi answers for this device's current name (it keeps announcing an
    old name until it restarts)."""
    del config
    if not (services / "expression-kiosk.service").exists():
        return Check("name (mDNS)", Outcome.SKIP, "not advertised here (./setup.sh --services sets avahi up)")
    resolver = shutil.which("avahi-resolve")
    if resolver is None:
        return Check("name (mDNS)", Outcome.SKIP, "avahi-resolve is missing (apt-get install avahi-utils)")
    name = f"{socket.gethostname()}.local"
    try:
        answer = subprocess.run([resolver, "-4", "-n", name], capture_output=True, text=True, timeout=5, check=False)
        found = answer.returncode == 0 and answer.stdout.split()[:1] == [name]
        why = (answer.stderr.strip().splitlines() or ["no answer"])[-1]
    except subprocess.TimeoutExpired:
        found, why = False, "no answer within 5 s"
    if found:
        return Check("name (mDNS)", Outcome.PASS, f"avahi answers for {name} ({answer.stdout.split()[1]})")
    return Check(
        "name (mDNS)",
        Outcome.FAIL,
        f"avahi does not answer for {name} ({why})",
        "sudo systemctl restart avahi-daemon (it keeps an old host name until it restarts)",
    )


def check_time_sync(config: Config) -> Check:
    """The clock is set by a time server, not just plausible."""
    del config
    tool = shutil.which("timedatectl")
    if tool is None:
        return Check("time sync", Outcome.SKIP, "no timedatectl here")
    try:
        shown = subprocess.run(
            [tool, "show", "-p", "NTPSynchronized", "--value"], capture_output=True, text=True, timeout=5, check=False
        )
    except subprocess.TimeoutExpired:
        return Check("time sync", Outcome.SKIP, "timedatectl did not answer within 5 s")
    if shown.returncode != 0:
        why = (shown.stderr.strip().splitlines() or ["no answer"])[-1]
        return Check("time sync", Outcome.SKIP, f"timedatectl cannot tell ({why})")
    if shown.stdout.strip() == "yes":
        return Check("time sync", Outcome.PASS, "synchronised with a time server")
    return Check(
        "time sync",
        Outcome.FAIL,
        "not synchronised with a time server: the clock may drift or be wrong after a power cut",
        "connect the device to the network (timedatectl timesync-status shows the server it tries)",
    )


KIOSK_UNIT = "expression-kiosk.service"
CHECKOUT = Path(__file__).resolve().parents[1]
UI_CHECK_TIMEOUT_S = 30.0


def _kiosk_running() -> bool:
    if shutil.which("systemctl") is None:
        return False
    active = subprocess.run(["systemctl", "is-active", "--quiet", KIOSK_UNIT], capture_output=True, check=False)
    return active.returncode == 0


def _ui_check(config: Config, module: str, env: dict[str, str]) -> tuple[bool, str]:
    """Run the kiosk's own check `python -m MODULE` in a process of its own,
    as the kiosk service would start (the display's DRM master and the sound
    device are taken and given back with that process): whether it worked,
    and its one line. device/ does not import ui/; it only runs it."""
    child = dict(os.environ, PYGAME_HIDE_SUPPORT_PROMPT="1", KIOSK_DATA_DIR=str(config.data_dir)) | env
    if config.path is not None:
        child["KIOSK_CONFIG"] = str(config.path)
    try:
        result = subprocess.run(
            [sys.executable, "-m", module],
            cwd=CHECKOUT,
            env=child,
            capture_output=True,
            text=True,
            timeout=UI_CHECK_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False, f"python -m {module} did not finish within {UI_CHECK_TIMEOUT_S:.0f} s"
    # The check's one line is its last on stdout; stderr (SDL's, ALSA's, the log's) only if there is none.
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    lines = lines or [line for line in result.stderr.splitlines() if line.strip()]
    return result.returncode == 0, lines[-1] if lines else f"python -m {module} exited {result.returncode}"


def sound_cards(cards: Path = Path("/proc/asound/cards")) -> list[str]:
    """The ALSA sound cards the kernel has, e.g. ['vc4hdmi0', 'Device']."""
    try:
        text = cards.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return re.findall(r"^\s*\d+\s+\[(\S+)\s*\]", text, flags=re.MULTILINE)


def _absent(config: Config, name: str, detail: str, advice: str) -> Check:
    # A development checkout may have no screen or speaker; an installed device must.
    if config.installed:
        return Check(name, Outcome.FAIL, detail, advice)
    return Check(name, Outcome.SKIP, detail + " (a development checkout)")


def check_display(config: Config) -> Check:
    """Opens the display the way the kiosk service does: no desktop
    variables (so KMS/DRM on a console), kiosk.rotation applied. A driver
    named in SDL_VIDEODRIVER is opened whatever hardware there is."""
    if _kiosk_running():
        return Check("display", Outcome.PASS, "the kiosk service is running and showing the screen (it reported ready)")
    if not os.environ.get("SDL_VIDEODRIVER") and not any(Path("/dev/dri").glob("card*")):
        return _absent(
            config,
            "display",
            "no display device (/dev/dri/card*)",
            "connect the display and keep dtoverlay=vc4-kms-v3d in /boot/firmware/config.txt, then reboot",
        )
    env = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}
    works, line = _ui_check(config, "ui.display", env)
    if works:
        return Check("display", Outcome.PASS, line)
    return Check(
        "display",
        Outcome.FAIL,
        line,
        "run as the kiosk user (video, render and input groups) with no desktop running on the screen "
        "(sudo systemctl set-default multi-user.target, then reboot); ./setup.sh installs pygame-ce and Mesa",
    )


def check_sound(config: Config) -> Check:
    """Opens the sound output the way the kiosk service does (SDL's ALSA
    driver, kiosk.sound_device) and plays a short tone; a kiosk set silent
    fails too, since the eye exercises are followed by ear."""
    if _kiosk_running():
        return Check(
            "sound",
            Outcome.SKIP,
            "the kiosk service holds the sound output",
            "to check it: sudo systemctl stop expression-kiosk, run doctor, then start it again",
        )
    advice = (
        "connect a speaker (a Pi 5 has no headphone jack: USB, I2S or HDMI), list outputs with aplay -L "
        "and set kiosk.sound_device; or turn the sound on in the kiosk's settings"
    )
    if not config.kiosk.sound_device and not sound_cards():
        return _absent(config, "sound", "no sound card (/proc/asound/cards)", advice)
    works, line = _ui_check(config, "ui.sound", {"SDL_AUDIODRIVER": "alsa"})
    if works:
        return Check("sound", Outcome.PASS, line)
    return Check("sound", Outcome.FAIL, line, advice)


def check_ward_link(config: Config, now: datetime | None = None, timeout_s: float = WARD_TIMEOUT_S) -> Check:
    """The link to the ward server (docs/ward.md): configured or not, whether
    the ward takes this device's token, the last delivery, the backlog, and
    sessions the ward refused (kept in the outbox, never resent). `timeout_s`
    bounds each wait on the ward (connecting, then its answer)."""
    try:
        ward = ward_link.configured(config)
    except WardLinkError as exc:
        return Check("ward link", Outcome.FAIL, str(exc), "run install.sh with WARD_URL and WARD_TOKEN provisioned")
    if ward is None:
        return Check("ward link", Outcome.SKIP, "no ward configured (ward.url): sessions stay on this device")
    url, token, pin = ward
    path = config.data_dir / DB_NAME
    outbox = "no sessions yet"
    if path.exists():
        try:
            open_database(path, recover=False)
            state = ward_link.outbox_state()
        except StoreError as exc:
            return Check("ward link", Outcome.FAIL, str(exc), "see the database check")
        last = f"{state.last_delivery:%Y-%m-%d %H:%M}" if state.last_delivery else "none yet"
        outbox = f"last delivery {last}, {state.backlog} waiting"
        if state.refused:
            return Check(
                "ward link",
                Outcome.FAIL,
                f"{outbox}; the ward refused {state.refused} session(s), kept here: {state.refused_reason}",
                "update this device's software or the ward's, then tell the ward's admin",
            )
    answer = ward_link.ask_ward(url, token, now or datetime.now(), pin, timeout_s)
    if answer.status == 200:
        trust = "plain http on this device" if url.startswith("http:") else "certificate ok"
        trust += " (pinned)" if pin and url.startswith("https:") else ""
        return Check("ward link", Outcome.PASS, f"{url} takes this device as {answer.reason}; {outbox}; {trust}")
    if answer.reason.startswith(ward_link.PIN_MISMATCH):
        return Check(
            "ward link",
            Outcome.FAIL,
            f"{url}: {answer.reason}; nothing is sent to it ({outbox})",
            "if the ward made a new certificate, provision its WARD_PIN (python -m ward enrol prints it) "
            "and run install.sh; otherwise this address is not the ward",
        )
    if answer.status == 401:
        return Check(
            "ward link",
            Outcome.FAIL,
            f"{url} does not take this device's token ({outbox})",
            "enrol it again on the ward (python -m ward enrol NAME), then install.sh with the new WARD_TOKEN",
        )
    detail = answer.reason if answer.status == 0 else f"HTTP {answer.status} {answer.reason}".strip()
    return Check(
        "ward link",
        Outcome.FAIL,
        f"{url}: {detail} ({outbox}; the practice goes on, sessions wait here)",
        "check the network, and that the ward server runs (systemctl status expression-ward on the ward)",
    )


def check_ward_plans(config: Config) -> Check:
    """Plans made on this dashboard that the ward refused (device/ward_plans.py):
    each stays in force here but not on the ward, so the two disagree about
    that patient's plan until a later plan of theirs is taken."""
    try:
        has_ward = ward_link.configured(config) is not None
    except WardLinkError:
        has_ward = True  # named but unusable: the ward link check says why; refusals already kept still count
    path = config.data_dir / DB_NAME
    if not has_ward:
        return Check("ward plans", Outcome.SKIP, "no ward configured (ward.url): plans stay on this device")
    if not path.exists():
        return Check("ward plans", Outcome.SKIP, f"{path} not created yet (no plans)")
    try:
        open_database(path, recover=False)
        refused = refused_plans()
    except StoreError as exc:
        return Check("ward plans", Outcome.FAIL, str(exc), "see the database check")
    if not refused:
        return Check("ward plans", Outcome.PASS, "the ward has refused none of the plans made on this device")
    said = "; ".join(
        f"{plan.patient.name}'s plan of {plan.created:%Y-%m-%d %H:%M}, refused {plan.sent:%Y-%m-%d %H:%M}: "
        f"{plan.refused}"
        for plan in refused
    )
    return Check(
        "ward plans",
        Outcome.FAIL,
        f"the ward refused {len(refused)} patient(s)' plan, in force here only: {said}",
        "fix the cause the ward gave (the ward link check; the patient on the ward), then save the plan "
        "again on this dashboard: once the ward takes it, this clears",
    )


CHECKS: tuple[Callable[[Config], Check], ...] = (
    check_camera,
    check_display,
    check_sound,
    check_landmark_model,
    check_expression_model,
    check_model_exercises,
    check_database,
    check_disk,
    check_services,
    check_dashboard,
    check_dashboard_password,
    check_mdns,
    check_clock,
    check_time_sync,
    check_ward_link,
    check_ward_plans,
)


# What a software update can break (the update script's check; no camera,
# services or dashboard needed).
SOFTWARE_CHECKS: tuple[Callable[[Config], Check], ...] = (
    check_landmark_model,
    check_expression_model,
    check_model_exercises,
    check_database,
    check_disk,
)


def run_checks(config: Config, checks: tuple[Callable[[Config], Check], ...] = CHECKS) -> list[Check]:
    results = []
    for check in checks:
        try:
            results.append(check(config))
        except Exception as exc:  # a check that crashes is a failed check, not a crashed doctor
            results.append(Check(check.__name__.removeprefix("check_"), Outcome.FAIL, f"{type(exc).__name__}: {exc}"))
    return results
