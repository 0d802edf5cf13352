"""The fleet's device line carries doctor's two ward checks: the real
dashboard app (Flask's test client) answers GET /api/device for a device
whose ward, on a loopback port, accepts a connection and never answers; the
line still comes back within the fleet collector's default time limit, with
"ward link" failing and why. A device without a ward skips both checks."""

from __future__ import annotations

import argparse
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from device.commands import fleet_report
from device.commands.fleet_cmd import add_parser
from device.config import Config, load_config
from device.store.db import DB_NAME, open_database
from device.web import create_app


def device_config(folder: Path, ward_url: str = "") -> Config:
    """A device's config file, naming the ward as install.sh writes it (its token in a file of its own)."""
    lines = [f'[device]\nname = "kiosk-bed-07"\ndata_dir = "{folder / "data"}"\n']
    if ward_url:
        token_file = folder / "ward-token"
        token_file.write_text("a-token-the-ward-never-sees-0123456789\n")
        lines.append(f'[ward]\nurl = "{ward_url}"\ntoken_file = "{token_file}"\n')
    (folder / "config.toml").write_text("".join(lines))
    return load_config(path=folder / "config.toml", env={})


@pytest.fixture
def silent_ward() -> Iterator[str]:
    """A ward address on this machine that takes the connection and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def fleet_default_timeout() -> float:
    """`python -m device fleet`'s own default --timeout, read from its parser."""
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    timeout = parser.parse_args(["fleet", "hosts.txt"]).timeout
    assert isinstance(timeout, float)
    return timeout


def checks_by_name(report: dict[str, object]) -> dict[str, dict[str, str]]:
    checks = report["checks"]
    assert isinstance(checks, list)
    return {check["name"]: check for check in checks}


def test_the_fleet_line_shows_a_ward_that_does_not_answer_within_the_fleet_time_limit(
    tmp_path: Path, silent_ward: str
) -> None:
    config = device_config(tmp_path, silent_ward)
    app = create_app(config, open_database(config.data_dir / DB_NAME, recover=False), overrides={"TESTING": True})
    fleet_report.install(app, config)
    token = fleet_report.new_token(config.data_dir)

    started = time.monotonic()
    response = app.test_client().get("/api/device", headers={"Authorization": f"Bearer {token}"})
    took = time.monotonic() - started

    assert response.status_code == 200
    report = response.get_json()
    checks = checks_by_name(report)
    link = checks["ward link"]
    assert link["outcome"] == "FAIL"
    assert link["detail"] == (
        f"{silent_ward}: no answer from the ward (ReadTimeout) "
        "(last delivery none yet, 0 waiting; the practice goes on, sessions wait here)"
    )
    assert "expression-ward" in link["advice"]
    assert checks["ward plans"]["outcome"] == "pass"
    assert report["ok"] is False
    # The ward is waited on for FLEET_WARD_TIMEOUT_S, not doctor's 5 s, so the
    # whole line beats the collector's default --timeout and the bed shows as
    # "ward link" failing rather than as a device that gave no answer.
    assert took < fleet_default_timeout(), took
    assert took >= fleet_report.FLEET_WARD_TIMEOUT_S  # it did wait for the ward


def test_a_ward_port_that_refuses_fails_the_ward_link_at_once(tmp_path: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: the connection is refused
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        report = fleet_report.device_report(device_config(tmp_path, url))
    link = checks_by_name(report)["ward link"]
    assert link["outcome"] == "FAIL"
    assert link["detail"].startswith(f"{url}: no answer from the ward (ConnectionError) (no sessions yet;")


def test_a_device_without_a_ward_skips_both_ward_checks(tmp_path: Path) -> None:
    checks = checks_by_name(fleet_report.device_report(device_config(tmp_path)))
    assert checks["ward link"] == {
        "name": "ward link",
        "outcome": "skip",
        "detail": "no ward configured (ward.url): sessions stay on this device",
        "advice": "",
    }
    assert checks["ward plans"]["outcome"] == "skip"
    assert checks["ward plans"]["detail"] == "no ward configured (ward.url): plans stay on this device"
