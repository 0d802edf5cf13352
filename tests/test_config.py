"""Configuration: defaults, file, environment, and rejection of mistakes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from device.config import ConfigError, load_config
from device.settings import SETTINGS
from tests.helpers import run_device


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_apply_without_a_file() -> None:
    config = load_config(path=None, env={})
    assert config["camera.source"] == "auto"
    assert config.sources["camera.source"] == "default"
    assert {s.key for s in SETTINGS} == set(config.values)


def test_file_values_override_defaults_and_env_overrides_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[camera]\nsource = "webcam:1"\nwidth = 800\n\n[vision]\ndetect_every = 5\n')
    config = load_config(path=path, env={"KIOSK_CAMERA": "demo"})
    assert config["camera.width"] == 800
    assert config.sources["camera.width"] == "file"
    assert config["vision.detect_every"] == 5
    assert config["camera.source"] == "demo"
    assert config.sources["camera.source"] == "env KIOSK_CAMERA"


def test_environment_text_is_parsed_to_the_setting_type() -> None:
    config = load_config(path=None, env={"KIOSK_LOG_LEVEL": "DEBUG", "KIOSK_DATA_DIR": "/srv/kiosk"})
    assert config["log.level"] == "DEBUG"
    assert config.data_dir == Path("/srv/kiosk")


def test_unknown_key_is_rejected_with_its_name(tmp_path: Path) -> None:
    path = write(tmp_path, '[camera]\nsorce = "demo"\n')
    with pytest.raises(ConfigError, match=r"unknown setting 'camera\.sorce'.*camera\.source"):
        load_config(path=path, env={})


def test_unknown_section_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "[kamera]\nwidth = 3\n")
    with pytest.raises(ConfigError, match=r"kamera\.width"):
        load_config(path=path, env={})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[camera]\nwidth = "wide"\n', r"camera\.width' must be a whole number"),
        ("[camera]\nreplay_realtime = 1\n", r"camera\.replay_realtime' must be true or false"),
        ("[camera]\nsource = 3\n", r"camera\.source' must be text"),
        ('[log]\nlevel = "LOUD"\n', r"log\.level' must be one of"),
        ("[camera]\nwidth = 10\n", r"camera\.width' must be at least 160"),
        ("camera = 3\n", r"must be a \[section\]"),
        ("[camera\n", r"not valid TOML"),
        (
            '[camera]\nwidth = "640"\n',
            r"camera\.width' must be a whole number, got '640'",
        ),  # quoted: text, not a number
        ("[web]\nport = 99999\n", r"web\.port' must be at most 65535"),
        ("[web]\nport = 0\n", r"web\.port' must be at least 1"),
        ('[web]\nhost = "my host!"\n', r"web\.host' must be an IP address or a host name"),
    ],
)
def test_wrong_values_are_rejected(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(path=write(tmp_path, text), env={})


def test_a_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[device]\nname = "caf\xe9"\n')  # Latin-1, as an old editor saves it
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(byte 20\); save it as UTF-8"):
        load_config(path=path, env={})


@pytest.mark.slow
def test_a_dashboard_port_in_use_is_one_line(tmp_path: Path) -> None:
    import socket

    from tests.helpers import run_device

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"KIOSK_DATA_DIR": str(tmp_path), "KIOSK_WEB_HOST": "127.0.0.1", "KIOSK_WEB_PORT": str(port)}
        result = run_device("web", env=env, timeout=60)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert f"cannot listen on 127.0.0.1:{port}" in line
    assert "internal error" not in line


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"\$KIOSK_LOG_LEVEL"):
        load_config(path=None, env={"KIOSK_LOG_LEVEL": "chatty"})


def test_config_path_from_environment_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="KIOSK_CONFIG"):
        load_config(env={"KIOSK_CONFIG": str(tmp_path / "missing.toml")})


@pytest.mark.slow
def test_config_command_prints_values_and_sources(tmp_path: Path) -> None:
    path = write(tmp_path, "[camera]\nwidth = 800\n")
    result = run_device("config", env={"KIOSK_CONFIG": str(path), "KIOSK_CAMERA": "demo"})
    assert result.returncode == 0, result.stderr
    lines = {line.split("=")[0].strip(): line for line in result.stdout.splitlines() if "=" in line}
    assert "800" in lines["camera.width"]
    assert lines["camera.width"].endswith("# file")
    assert lines["camera.source"].endswith("# env KIOSK_CAMERA")
    assert lines["camera.height"].endswith("# default")
    assert str(path) in result.stdout


@pytest.mark.slow
def test_config_command_stops_on_unknown_key_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[camera]\nfps_max = 3\n")
    result = run_device("config", env={"KIOSK_CONFIG": str(path)})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "camera.fps_max" in result.stderr
    assert "Traceback" not in result.stderr


def test_template_is_a_valid_config_once_uncommented(tmp_path: Path) -> None:
    result = run_device("config", "--template")
    assert result.returncode == 0, result.stderr
    # A commented setting is "# key = value"; help text may hold "=" too (hdmi:CARD=vc4hdmi0).
    setting = re.compile(r"# [a-z_]+ = ")
    uncommented = "\n".join(line[2:] if setting.match(line) else line for line in result.stdout.splitlines())
    config = load_config(path=write(tmp_path, uncommented), env={})
    assert all(config.sources[s.key] == "file" for s in SETTINGS)
    assert all(config[s.key] == s.default for s in SETTINGS)


def test_a_renamed_setting_keeps_an_old_file_working(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An update that renames a setting: the device's file still loads, read under the new name."""
    from device import config as config_module

    monkeypatch.setitem(config_module.RENAMED, "camera.frame_width", "camera.width")
    config = load_config(path=write(tmp_path, "[camera]\nframe_width = 800\n"), env={})
    assert config.camera.width == 800
    assert config.sources["camera.width"] == "file"
    both = write(tmp_path, "[camera]\nframe_width = 800\nwidth = 640\n")
    with pytest.raises(ConfigError, match=r"'camera\.frame_width' is the old name of 'camera\.width'"):
        load_config(path=both, env={})


def test_the_typed_settings_and_the_guide_are_generated_from_the_table() -> None:
    from device.settings_codegen import GUIDE, TARGET, generate, guide_with_table

    assert TARGET.read_text(encoding="utf-8") == generate(), "run python -m device.settings_codegen"
    guide = GUIDE.read_text(encoding="utf-8")
    assert guide == guide_with_table(guide), "run python -m device.settings_codegen"
