"""The one table of settings: every key the device understands.

Each setting has a type, a default and help text. A configuration file may set
only these keys; anything else stops start-up with a message naming the key
(see device/config.py). The README's configuration table must list every key:
tests/test_settings_documented.py fails otherwise.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from device.ward_address import WardLinkError, check_url, normal_pin


@dataclass(frozen=True)
class Setting:
    key: str  # "section.name", as written in the TOML file
    type: type  # str, int, float or bool
    default: str | int | float | bool
    help: str
    env: str | None = None  # environment variable that overrides the file
    choices: tuple[str, ...] | None = None  # allowed values for a str setting
    minimum: float | None = None  # lower bound for numbers
    maximum: float | None = None  # upper bound for numbers
    check: Callable[[object], str | None] | None = None  # what is wrong with a value, or None


_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def is_host(text: str) -> bool:
    """An IPv4 or IPv6 address, or a host name (RFC 1123 labels)."""
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        pass
    labels = text.split(".")
    # A name whose last label is all digits would be an IPv4 address, and "999.1.1.1" is none:
    # refused here in one line rather than by the server's socket as an internal error.
    return 0 < len(text) <= 253 and all(_HOST_LABEL.match(label) for label in labels) and not labels[-1].isdigit()


def _ward_pin_problem(pin: str) -> str | None:
    """What is wrong with a certificate pin; empty means none."""
    try:
        normal_pin(pin)
    except WardLinkError as exc:
        return str(exc)
    return None


def _ward_url_problem(url: str) -> str | None:
    """What is wrong with a ward address; empty means no ward."""
    if not url:
        return None
    try:
        check_url(url)
    except WardLinkError:
        return "must be an https:// address, or http:// only to this device (127.0.0.1)"
    return None


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "device.name",
        str,
        "연습 기기",
        "Name of this device, shown on the kiosk's settings screen and the dashboard "
        "(Korean by default, as the kiosk's words are; install.sh's DEVICE_NAME sets it).",
    ),
    Setting(
        "device.data_dir",
        str,
        "",
        "Folder for the database, backups and logs. Empty: $STATE_DIRECTORY "
        "(set by systemd) or ./var in a development checkout.",
        env="KIOSK_DATA_DIR",
    ),
    Setting(
        "practice.default_patient",
        str,
        "환자",
        "Patient that practice is recorded for when none is chosen (a bedside "
        "device usually serves one person); created on first use. The kiosk "
        "greets them as '{name} 님': set the patient's name at set-up.",
    ),
    Setting(
        "practice.intro_s",
        float,
        6.0,
        "Seconds each exercise's intro (what to do, shown and told) stays before "
        "the exercise starts by itself; the patient can tap Start sooner.",
        minimum=0,
    ),
    Setting(
        "practice.exercise_limit_s",
        float,
        120.0,
        "Seconds after which an unfinished exercise moves the plan on, stored as timed out with the reps done so far.",
        minimum=10,
    ),
    Setting(
        "log.level",
        str,
        "INFO",
        "How much to log: DEBUG, INFO, WARNING or ERROR.",
        env="KIOSK_LOG_LEVEL",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
    ),
    Setting(
        "camera.source",
        str,
        "auto",
        "Where frames come from: auto (Pi camera, then a webcam; in a development "
        "checkout, then the embedded demo, never on an installed device), picamera2, "
        "webcam or webcam:INDEX, demo, or replay:PATH (a video file or a folder of images).",
        env="KIOSK_CAMERA",
    ),
    Setting(
        "camera.width",
        int,
        640,
        "Width in pixels of the main (display) stream.",
        minimum=160,
    ),
    Setting(
        "camera.height",
        int,
        480,
        "Height in pixels of the main (display) stream.",
        minimum=120,
    ),
    Setting(
        "camera.lores_width",
        int,
        320,
        "Width of the low-resolution grayscale stream that face detection runs on.",
        minimum=80,
    ),
    Setting(
        "camera.lores_height",
        int,
        240,
        "Height of the low-resolution grayscale stream that face detection runs on.",
        minimum=60,
    ),
    Setting(
        "camera.fps",
        int,
        30,
        "Frame rate asked of a live camera (Pi camera or webcam). The Pi camera may slow "
        "down to 15 in a dim room to expose longer instead of amplifying noise.",
        minimum=1,
    ),
    Setting(
        "camera.rotation",
        int,
        0,
        "Degrees the Pi camera's picture is turned: 0, or 180 for a camera mounted upside "
        "down above the screen (done by the camera itself, through libcamera's Transform).",
        check=lambda value: None if value in (0, 180) else "must be 0 or 180",
    ),
    Setting(
        "camera.replay_fps",
        float,
        15.0,
        "Frame rate of a replayed image folder (a video file keeps its own rate).",
        minimum=0.1,
    ),
    Setting(
        "camera.replay_realtime",
        bool,
        True,
        "Pace a replay like a live camera (true) or deliver frames as fast as they are read (false, for benchmarks).",
    ),
    Setting(
        "camera.replay_loop",
        bool,
        True,
        "Start a replay again from the beginning when it ends.",
    ),
    Setting(
        "vision.landmark_model",
        str,
        "auto",
        "Path of dlib's 68-point shape predictor. auto: Debian's libdlib-data, then PyPI's face-recognition-models.",
        env="KIOSK_LANDMARK_MODEL",
    ),
    Setting(
        "vision.detect_every",
        int,
        10,
        "Run the full face detector every N frames; in between, landmarks are tracked from the previous frame.",
        minimum=1,
    ),
    Setting(
        "vision.detect_upsample",
        int,
        0,
        "Times the detector upsamples the low-resolution frame (each one finds "
        "smaller faces and costs about 4x the time).",
        minimum=0,
    ),
    Setting(
        "vision.detect_threshold",
        float,
        0.2,
        "Lowest detector score accepted as a face. dlib reports weak matches "
        "(patterns on clothes, posters) with scores near 0; real faces score 0.5-2.",
    ),
    Setting(
        "vision.min_face_px",
        int,
        80,
        "Faces narrower than this on the main stream are reported as too far away.",
        minimum=20,
    ),
    Setting(
        "expression.model",
        str,
        "",
        "Path of the expression classifier (.tflite, with its .card.json beside it). "
        "Empty: the model shipped in device/models/.",
        env="KIOSK_EXPRESSION_MODEL",
    ),
    Setting(
        "web.host",
        str,
        "0.0.0.0",
        "Address the caregiver dashboard listens on: 0.0.0.0 for every network "
        "interface (phones on the LAN), 127.0.0.1 for this device only.",
        env="KIOSK_WEB_HOST",
        check=lambda value: None if is_host(str(value)) else "must be an IP address or a host name",
    ),
    Setting(
        "web.port",
        int,
        8080,
        "TCP port of the caregiver dashboard (http://DEVICE:PORT/ on the LAN).",
        env="KIOSK_WEB_PORT",
        minimum=1,
        maximum=65535,
    ),
    Setting(
        "web.threads",
        int,
        4,
        "Worker threads of the dashboard's web server (waitress).",
        minimum=1,
    ),
    Setting(
        "web.page_cache_mb",
        int,
        16,
        "Memory for dashboard pages kept until the store changes (any session, note or plan saved "
        "rebuilds them); 0 builds every page on every request.",
        env="KIOSK_WEB_PAGE_CACHE_MB",
        minimum=0,
    ),
    Setting(
        "web.login_attempts_per_minute",
        int,
        5,
        "Failed and successful dashboard logins allowed per minute from one address.",
        minimum=1,
    ),
    Setting(
        "kiosk.language",
        str,
        "ko",
        "Language of the kiosk screen: ko (Korean) or en (English); also changeable on its settings screen.",
        env="KIOSK_LANGUAGE",
        choices=("ko", "en"),
    ),
    Setting(
        "kiosk.fps",
        int,
        30,
        "Frames a second the kiosk screen draws (the camera image, the live score).",
        minimum=5,
    ),
    Setting(
        "kiosk.volume",
        int,
        70,
        "Loudness of the kiosk's sound cues (start and end of a hold, time to move), 0-100; 0 is silent.",
        minimum=0,
    ),
    Setting(
        "kiosk.rotation",
        int,
        0,
        "Degrees clockwise the kiosk's picture is turned on the screen, for panels mounted "
        "turned: 0, 90, 180 or 270 (Touch Display 2, portrait by itself, on its long side: 90 or 270). "
        "Touches are turned back the same way.",
        check=lambda value: None if value in (0, 90, 180, 270) else "must be 0, 90, 180 or 270",
    ),
    Setting(
        "kiosk.sound_device",
        str,
        "",
        "ALSA device the kiosk's sound goes to, e.g. hdmi:CARD=vc4hdmi0 or plughw:CARD=Device "
        "(aplay -L lists them). Empty: ALSA's default device.",
    ),
    Setting(
        "kiosk.idle_timeout_s",
        float,
        90.0,
        "Seconds without a touch before the kiosk returns to its home screen (a practice "
        "session with no face in view for this long is stopped and stored as stopped).",
        minimum=10,
    ),
    Setting(
        "storage.min_free_mb",
        int,
        500,
        "Free space (MB) on the data folder's disk below which doctor fails and the dashboard's device page warns.",
        minimum=1,
    ),
    Setting(
        "ward.url",
        str,
        "",
        "Address of the ward server this device sends its finished sessions to (docs/ward.md): "
        "https://..., or http:// only to this device itself. Empty: no ward (install.sh's WARD_URL sets it).",
        check=lambda value: _ward_url_problem(str(value)),
    ),
    Setting(
        "ward.token_file",
        str,
        "",
        "File holding this device's ward token (given by `python -m ward enrol`), readable by the kiosk's "
        "user only; install.sh writes it from WARD_TOKEN. Kept out of this file, which anyone may read.",
    ),
    Setting(
        "ward.pin",
        str,
        "",
        "SHA-256 fingerprint of the ward's own certificate (`python -m ward enrol` prints it), pinned: "
        "the device talks https only to the ward that shows it. Empty: the system's certificate authorities "
        "(a ward with a certificate the hospital issued). install.sh's WARD_PIN sets it.",
        check=lambda value: _ward_pin_problem(str(value)),
    ),
)

BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}

# Settings that were renamed: old key -> new key. A device updated to a
# release that renamed a setting keeps its configuration file working (the
# old name is read as the new one, with a warning in the log) until the
# file is rewritten (python -m device config --write).
RENAMED: dict[str, str] = {}
