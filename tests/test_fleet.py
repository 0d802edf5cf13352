"""The fleet view against three simulated devices on 127.0.0.x: two real
dashboards (`python -m device web`, waitress) that answer, one address that
accepts a connection and never answers. `python -m device fleet` must list
all three, the silent one included, within its time limit."""

from __future__ import annotations

import csv
import json
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from benchmarks.servers import free_port
from device.commands.fleet_collect import Target, parse_target, read_hosts
from device.commands.fleet_report import TOKEN_FILE, token_matches
from device.errors import KioskError
from device.store.db import DB_NAME, open_database
from device.store.synthetic import seed_history
from tests.helpers import ROOT

pytestmark = pytest.mark.slow  # real server processes

PASSWORD = "blue heron 42"


def device(*args: str, env: dict[str, str], stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "device", *args], input=stdin, text=True, env=env, cwd=ROOT,
                          capture_output=True, timeout=timeout, check=False)  # fmt: skip


def device_env(folder: Path, name: str, host: str) -> dict[str, str]:
    folder.mkdir()
    (folder / "config.toml").write_text(f'[device]\nname = "{name}"\n')
    return {
        "PATH": "/usr/bin:/bin",
        "KIOSK_CONFIG": str(folder / "config.toml"),
        "KIOSK_DATA_DIR": str(folder / "data"),
        "KIOSK_WEB_HOST": host,
        "KIOSK_WEB_PORT": str(free_port()),
    }


def wait_for(base: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(base + "/health", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, list[dict[str, str]]]]:
    """Bed 1 (practised, password set) on 127.0.0.2, bed 2 (fresh, no
    password) on 127.0.0.3, both with the fleet token; 127.0.0.4 accepts
    connections and never answers. Yields the hosts file, the token file
    and the two devices' environments."""
    folder = tmp_path_factory.mktemp("fleet")
    beds = [
        device_env(folder / "bed-01", "kiosk-bed-01", "127.0.0.2"),
        device_env(folder / "bed-02", "kiosk-bed-02", "127.0.0.3"),
    ]
    open_database(Path(beds[0]["KIOSK_DATA_DIR"]) / DB_NAME)
    seed_history("Mina", date(2026, 5, 1), date(2026, 5, 20), sessions_per_day=(1, 2), seed=5)
    assert device("web", "--set-password", env=beds[0], stdin=PASSWORD + "\n").returncode == 0
    made = device("fleet", "--new-token", env=beds[0])
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    # The same token on the second device, as cloning a sealed card would leave it.
    Path(beds[1]["KIOSK_DATA_DIR"]).mkdir()
    kept = (Path(beds[0]["KIOSK_DATA_DIR"]) / TOKEN_FILE).read_bytes()
    (Path(beds[1]["KIOSK_DATA_DIR"]) / TOKEN_FILE).write_bytes(kept)
    token_file = folder / "fleet-token"
    token_file.write_text(token + "\n")

    silent = socket.socket()
    silent.bind(("127.0.0.4", 0))
    silent.listen(8)  # the kernel completes the handshake; nobody ever reads or answers
    hosts = folder / "hosts.txt"
    hosts.write_text(
        "# ward 3\n"
        f"127.0.0.2:{beds[0]['KIOSK_WEB_PORT']}   # bed 1\n"
        f"127.0.0.3:{beds[1]['KIOSK_WEB_PORT']}\n"
        f"127.0.0.4:{silent.getsockname()[1]}   # bed 3: switched on, not answering\n"
    )
    servers = [subprocess.Popen([sys.executable, "-m", "device", "web"], cwd=ROOT, env=bed,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for bed in beds]  # fmt: skip
    try:
        for bed, server in zip(beds, servers, strict=True):
            wait_for(f"http://{bed['KIOSK_WEB_HOST']}:{bed['KIOSK_WEB_PORT']}", server)
        yield hosts, token_file, beds
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        silent.close()


def test_fleet_lists_every_device_the_silent_one_included(fleet: tuple[Path, Path, list[dict[str, str]]]) -> None:
    hosts, token_file, beds = fleet
    out = hosts.parent / "fleet.csv"
    started = time.monotonic()
    result = device("fleet", str(hosts), "--token-file", str(token_file), "--timeout", "3", "--csv", str(out),
                    env={"PATH": "/usr/bin:/bin"})  # fmt: skip
    elapsed = time.monotonic() - started
    print(result.stdout + result.stderr)  # the table the technician's guide shows
    assert result.returncode == 1  # not every device is healthy
    assert "Traceback" not in result.stderr
    assert elapsed < 15, elapsed  # in parallel: the silent device costs its 3 s once, not a serial wait
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["name", "address"]
    bed1, bed2, bed3 = lines[1:]
    assert bed1.startswith("kiosk-bed-01")
    assert f"127.0.0.2:{beds[0]['KIOSK_WEB_PORT']}" in bed1
    assert "2026-05-20" in bed1  # its last session
    assert "GB" in bed1
    assert "expression-efficientnet-b0" in bed1
    assert bed2.startswith("kiosk-bed-02")
    assert "none yet" in bed2
    assert bed2.rstrip().endswith("password")  # no dashboard password: the one failing check
    assert bed3.startswith("127.0.0.4:")
    assert bed3.endswith("no answer within 3 s")
    assert "3 devices: 2 answered, 1 with every check passed" in result.stderr

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["name"] for r in rows] == ["kiosk-bed-01", "kiosk-bed-02", bed3.split()[0]]
    assert rows[0]["last session"].startswith("2026-05-20")
    assert rows[0]["version"]
    assert rows[0]["version"] == rows[1]["version"]
    assert rows[1]["failing checks"] == "password"
    assert rows[2]["failing checks"] == "no answer within 3 s"
    assert rows[2]["ok"] == "no"
    # bed 1 passes what the dashboard can judge on a development checkout
    assert "password" not in rows[0]["failing checks"]


def test_the_device_line_needs_the_fleet_token(fleet: tuple[Path, Path, list[dict[str, str]]]) -> None:
    _hosts, token_file, beds = fleet
    base = f"http://127.0.0.2:{beds[0]['KIOSK_WEB_PORT']}/api/device"
    for headers in (
        {},
        {"Authorization": "Bearer " + "x" * 43},
        {"Authorization": "Basic " + token_file.read_text().strip()},
    ):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(base, headers=headers), timeout=5)
        assert refused.value.code == 401
        assert json.loads(refused.value.read()) == {"error": "wrong or missing fleet token"}
    token = token_file.read_text().strip()
    with urllib.request.urlopen(urllib.request.Request(base, headers={"Authorization": f"Bearer {token}"})) as answer:
        report = json.loads(answer.read())
    assert report["device"]["name"] == "kiosk-bed-01"
    assert {c["name"] for c in report["checks"]} >= {"camera", "database", "disk space", "password", "clock"}
    assert "Mina" not in json.dumps(report)  # a device line, never a patient's
    # The token itself is never kept on the device: only its hash, owner-only.
    kept = Path(beds[0]["KIOSK_DATA_DIR"]) / TOKEN_FILE
    assert token not in kept.read_text()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert token_matches(kept.parent, token)
    assert not token_matches(kept.parent, token[:-1])


def test_a_wrong_token_and_a_device_without_one_are_rows_that_say_so(
    fleet: tuple[Path, Path, list[dict[str, str]]], tmp_path: Path
) -> None:
    _, _, beds = fleet
    hosts = tmp_path / "hosts"
    hosts.write_text(f"127.0.0.2:{beds[0]['KIOSK_WEB_PORT']}\n")
    wrong = device("fleet", str(hosts), env={"PATH": "/usr/bin:/bin", "KIOSK_FLEET_TOKEN": "y" * 43})
    assert wrong.returncode == 1
    assert "refused the fleet token" in wrong.stdout

    bare = device_env(tmp_path / "bed-09", "kiosk-bed-09", "127.0.0.5")
    server = subprocess.Popen([sys.executable, "-m", "device", "web"], cwd=ROOT, env=bare,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for(f"http://127.0.0.5:{bare['KIOSK_WEB_PORT']}", server)
        hosts.write_text(f"127.0.0.5:{bare['KIOSK_WEB_PORT']}\n")
        unset = device("fleet", str(hosts), env={"PATH": "/usr/bin:/bin", "KIOSK_FLEET_TOKEN": "y" * 43})
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "HTTP 404: no fleet token is set on this device" in unset.stdout


def test_fleet_finds_the_devices_by_mdns_browse(fleet: tuple[Path, Path, list[dict[str, str]]], tmp_path: Path) -> None:
    """avahi-browse's parsable output (this machine runs no avahi-daemon: a
    script prints what avahi-browse prints for two advertised dashboards and a printer)."""
    _, token_file, beds = fleet
    stubs = tmp_path / "bin"
    stubs.mkdir()
    lines = [
        "+;eth0;IPv4;Expression\\032kiosk\\032on\\032kiosk-bed-01;_http._tcp;local",
        f"=;eth0;IPv4;Expression\\032kiosk\\032on\\032kiosk-bed-01;_http._tcp;local;kiosk-bed-01.local;127.0.0.2;"
        f'{beds[0]["KIOSK_WEB_PORT"]};"path=/"',
        f"=;eth0;IPv6;Expression\\032kiosk\\032on\\032kiosk-bed-01;_http._tcp;local;kiosk-bed-01.local;fe80::1;"
        f'{beds[0]["KIOSK_WEB_PORT"]};"path=/"',
        f"=;eth0;IPv4;Expression\\032kiosk\\032on\\032kiosk-bed-02;_http._tcp;local;kiosk-bed-02.local;127.0.0.3;"
        f'{beds[1]["KIOSK_WEB_PORT"]};"path=/"',
        '=;eth0;IPv4;Ward\\032printer;_http._tcp;local;printer.local;127.0.0.9;80;""',
    ]
    script = stubs / "avahi-browse"
    script.write_text("#!/bin/sh\n" + "".join(f"printf '%s\\n' '{line}'\n" for line in lines))
    script.chmod(0o755)
    found = device("fleet", "--browse", "--token-file", str(token_file), env={"PATH": f"{stubs}:/usr/bin:/bin"})
    rows = found.stdout.splitlines()[1:]
    assert [row.split()[0] for row in rows] == ["kiosk-bed-01", "kiosk-bed-02"], found.stdout + found.stderr
    assert "2 devices: 2 answered" in found.stderr

    missing = device("fleet", "--browse", "--token-file", str(token_file), env={"PATH": "/nowhere"})
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        "error: avahi-browse is missing: install avahi-utils, or list the devices in a hosts file"
    )


def test_hosts_files_and_their_mistakes(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.write_text("\ufeffkiosk-bed-01\r\nkiosk-bed-02.local:8081  # bed 2\r\n10.0.3.12\nkiosk-bed-01\n")
    assert read_hosts(hosts) == [
        Target("kiosk-bed-01", "kiosk-bed-01.local", 8080),
        Target("kiosk-bed-02.local:8081", "kiosk-bed-02.local", 8081),
        Target("10.0.3.12", "10.0.3.12", 8080),
    ]
    for line, says in (("kiosk-bed-01 kiosk-bed-02", "one host a line"), ("bed:80a", "bad port"),
                       ("http://bed", "bad port"), ("bed:0", "is not a host")):  # fmt: skip
        hosts.write_text(f"# ward 3\n{line}\n")
        with pytest.raises(KioskError, match=f"line 2: .*{says}"):
            read_hosts(hosts)
    with pytest.raises(KioskError, match="cannot read the hosts file"):
        read_hosts(tmp_path / "missing")
    assert parse_target("127.0.0.1:18080", "x") == Target("127.0.0.1:18080", "127.0.0.1", 18080)


def test_fleet_without_a_token_or_with_a_bad_timeout_is_one_line(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.write_text("kiosk-bed-01\n")
    no_token = device("fleet", str(hosts), env={"PATH": "/usr/bin:/bin"})
    assert no_token.returncode == 2
    assert no_token.stderr.startswith("error: no fleet token: give --token-file FILE or set KIOSK_FLEET_TOKEN")
    bad = device("fleet", str(hosts), "--timeout", "0", env={"PATH": "/usr/bin:/bin", "KIOSK_FLEET_TOKEN": "t" * 40})
    assert bad.stderr.strip() == "error: --timeout 0: give seconds between 0 and 600"
    assert os.environ.get("KIOSK_FLEET_TOKEN") is None  # nothing leaked into this process
