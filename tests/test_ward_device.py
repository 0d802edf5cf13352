"""The ward link on a device: install.sh writes the ward's address and token
from the provisioning file (for real, as root, in a throwaway root), the
sender runs as its own command and unit, and doctor's ward check passes and
fails as it should against the real ward on a real PostgreSQL (loopback)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from device.__main__ import main as device_main
from device.config import Config, ConfigError, load_config
from device.doctor import Outcome, check_ward_link
from device.provisioning import ProvisioningError, parse
from device.store.db import DB_NAME
from device.store.models import OutboxRecord, Patient, PracticeRecord, RepRecord
from device.ward_address import WardLinkError
from tests.helpers import ROOT
from tests.sandbox import Sandbox, available
from tests.test_ward import NOW, Ward, _login, a_day_of_practice, record, ward, ward_url  # noqa: F401  (fixtures)
from tests.ward_postgres import PostgresServer, postgres  # noqa: F401  (the session's cluster)
from ward.devices import SKEW_FLAG_S, enrol, revoke
from ward.models import Device, WardRep, WardSession, database
from ward.therapists import add_therapist

UNIT = "expression-kiosk-ward.service"


def reconnect_ward_models() -> None:
    """After a PostgreSQL restart this test's own connection to the ward is gone: open a new one."""
    with contextlib.suppress(Exception):
        database.close()
    database.connect()


def device_config(tmp_path: Path, url: str = "", token: str | None = None, pin: str = "") -> tuple[Config, Path]:
    """A device's config file naming the ward, with its token in a file of its own (as install.sh writes them)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    lines = [f'[device]\ndata_dir = "{tmp_path / "data"}"\n']
    if url:
        token_file = tmp_path / "ward-token"
        if token is not None:
            token_file.write_text(token + "\n")
        lines.append(f'[ward]\nurl = "{url}"\ntoken_file = "{token_file}"\npin = "{pin}"\n')
    path = tmp_path / "config.toml"
    path.write_text("".join(lines))
    return load_config(path=path, env={}), path


def test_doctor_shows_the_ward_link_as_it_is(
    ward: Ward,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    unconfigured, _ = device_config(tmp_path)
    skipped = check_ward_link(unconfigured)
    assert skipped.outcome is Outcome.SKIP
    assert skipped.detail == "no ward configured (ward.url): sessions stay on this device"
    no_token, _ = device_config(tmp_path, ward.url, token=None)
    missing = check_ward_link(no_token)
    assert missing.outcome is Outcome.FAIL
    assert "cannot read the ward token" in missing.detail

    token = enrol("kiosk-bed-3", NOW)
    config, path = device_config(tmp_path, ward.url, token)
    a_day_of_practice(config.data_dir / DB_NAME, "Ana")
    waiting = check_ward_link(config)
    assert waiting.outcome is Outcome.PASS, waiting
    assert waiting.detail == (
        f"{ward.url} takes this device as kiosk-bed-3; last delivery none yet, 3 waiting; plain http on this device"
    )

    # The sender's command, once, as a technician would run it.
    monkeypatch.setenv("KIOSK_CONFIG", str(path))
    assert device_main(["ward-link", "--once"]) == 0
    assert f"3 session(s) delivered to {ward.url}; 0 waiting" in capsys.readouterr().out
    assert WardSession.select().count() == 3
    delivered = check_ward_link(config)
    assert delivered.outcome is Outcome.PASS
    assert re.search(r"last delivery \d{4}-\d\d-\d\d \d\d:\d\d, 0 waiting;", delivered.detail), delivered.detail
    [device] = Device.select().where(Device.name == "kiosk-bed-3")
    assert device.backlog == 0  # nothing waits behind its last session; doctor's own contact says nothing of it
    assert device.software

    # The card moves to a bed enrolled under another name: the ward refuses its store's sessions.
    config_moved, _ = device_config(tmp_path, ward.url, enrol("kiosk-bed-4", NOW))
    patient = Patient.get(Patient.name == "Ana")
    record(config.data_dir / DB_NAME, patient, datetime(2026, 11, 19, 9), 1, "completed")
    assert device_main(["ward-link", "--once"]) == 0  # a refusal is not a link failure: the row is kept, refused
    refused = check_ward_link(config_moved)
    assert refused.outcome is Outcome.FAIL
    assert "the ward refused 1 session(s), kept here: 403 this store's sessions belong to another device" in (
        refused.detail
    )
    assert OutboxRecord.select().where(OutboxRecord.refused).count() == 1
    OutboxRecord.delete().where(OutboxRecord.refused).execute()  # the technician's fix, for the checks below
    config, _ = device_config(tmp_path, ward.url, token)  # back in its own bed

    revoke("kiosk-bed-3", NOW)
    revoked = check_ward_link(config)
    assert revoked.outcome is Outcome.FAIL
    assert "does not take this device's token" in revoked.detail
    assert "python -m ward enrol" in revoked.advice

    ward.stop()
    down = check_ward_link(config)
    assert down.outcome is Outcome.FAIL
    assert "no answer from the ward" in down.detail
    assert "sessions wait here" in down.detail
    ward.start()


def test_the_ward_flags_a_device_whose_clock_is_a_day_off(ward: Ward, tmp_path: Path) -> None:  # noqa: F811
    """The device recorded its day on its own (wrong) clock: the ward files the
    session on that day, as the device saw it, and flags the skew."""
    from device.ward_link import WardLink
    from tests.test_ward import Clock

    token = enrol("kiosk-bed-5", NOW)
    store = tmp_path / DB_NAME
    a_day_of_practice(store, "Ben")  # recorded on 18 Nov by the device's clock
    a_day_late = NOW + timedelta(days=1)  # the ward's clock says 19 Nov 09:00; the device's says the 20th
    assert WardLink(ward.url, token, monotonic=Clock(), now=lambda: a_day_late).deliver_due() == 3
    days = {s.started.date() for s in WardSession.select()}
    assert days == {datetime(2026, 11, 18).date()}
    [device] = Device.select().where(Device.name == "kiosk-bed-5")
    assert device.clock_skew_s == pytest.approx(86400, abs=1)
    assert (device.clock_skew_s or 0) > SKEW_FLAG_S
    add_therapist("Park Jiwoo", "ward rounds 7", NOW)
    client = ward.app.test_client()
    assert client.get("/devices").status_code == 302  # behind the login
    assert _login(client, "Park Jiwoo", "ward rounds 7", "en") == 302
    english = re.sub(r"\s+", " ", client.get("/devices?lang=en").get_data(as_text=True))
    assert "<td>kiosk-bed-5</td> <td>19 Nov 09:00</td>" in english
    assert '<strong class="clock-off">Check its clock: 24.0 h ahead of the ward</strong>' in english
    korean = client.get("/devices?lang=ko").get_data(as_text=True)
    assert "시계 확인 필요: 병동보다 24.0시간 빠름" in korean


@pytest.mark.slow
def test_the_sender_service_delivers_a_finished_session_within_5_s(ward: Ward, tmp_path: Path) -> None:  # noqa: F811
    """`python -m device ward-link` as the unit runs it: a session the kiosk
    (here this test, another process on the same SQLite file) finishes
    reaches the ward within 5 s; SIGTERM stops it cleanly."""
    config, path = device_config(tmp_path, ward.url, enrol("kiosk-bed-6", NOW))
    store = config.data_dir / DB_NAME
    a_day_of_practice(store, "Cho")
    env = os.environ | {"KIOSK_CONFIG": str(path), "PYTHONUNBUFFERED": "1"}
    sender = subprocess.Popen(
        [sys.executable, "-m", "device", "ward-link"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while WardSession.select().count() < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert WardSession.select().count() == 3  # the day's backlog, at start
        patient = Patient.get(Patient.name == "Cho")
        record(store, patient, datetime(2026, 11, 19, 10), 2, "completed")
        finished = time.monotonic()
        while WardSession.select().count() < 4 and time.monotonic() - finished < 10:
            time.sleep(0.05)
        latency = time.monotonic() - finished
        assert WardSession.select().count() == 4
        assert latency <= 5.0, latency
    finally:
        sender.send_signal(signal.SIGTERM)
        out, err = sender.communicate(timeout=30)
    assert sender.returncode == 0, err
    assert f"sending finished sessions to {ward.url}" in out.decode()


def test_the_sender_unit_is_hardened_like_the_others(tmp_path: Path) -> None:
    """systemd's own offline assessment, held to tests/test_appliance.py's limit for the kiosk's units."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze comes with systemd (Debian's systemd package)"
    text = (ROOT / "systemd" / UNIT).read_text()
    for line in ("ExecStart=@ROOT@/.venv/bin/python -m device ward-link", "User=kiosk", "NoNewPrivileges=yes",
                 "ProtectSystem=strict", "Restart=on-failure"):  # fmt: skip
        assert line in text, line
    path = tmp_path / UNIT
    path.write_text(text.replace("@ROOT@", "/opt/expression-kiosk"))
    result = subprocess.run([analyze, "security", "--offline=true", str(path)], capture_output=True, text=True,
                            check=False)  # fmt: skip
    found = re.search(r"Overall exposure level for \S+: ([0-9.]+)", result.stdout + result.stderr)
    assert found, result.stdout + result.stderr
    assert float(found.group(1)) <= 3.5


def test_the_ward_server_unit_is_hardened_like_the_kiosks(tmp_path: Path) -> None:
    """The ward's own unit (on the ward's machine): systemd's offline assessment, the kiosk units' limit."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze comes with systemd (Debian's systemd package)"
    text = (ROOT / "systemd" / "expression-ward.service").read_text()
    for line in ("ExecStart=@ROOT@/.venv/bin/python -m ward --config /etc/ward/ward.toml serve", "User=ward",
                 "After=network-online.target postgresql.service", "NoNewPrivileges=yes", "ProtectSystem=strict",
                 "Restart=on-failure"):  # fmt: skip
        assert line in text, line
    path = tmp_path / "expression-ward.service"
    path.write_text(text.replace("@ROOT@", "/opt/expression-kiosk"))
    result = subprocess.run([analyze, "security", "--offline=true", str(path)], capture_output=True, text=True,
                            check=False)  # fmt: skip
    found = re.search(r"Overall exposure level for \S+: ([0-9.]+)", result.stdout + result.stderr)
    assert found, result.stdout + result.stderr
    assert float(found.group(1)) <= 3.5, result.stdout


pytestmark_sandbox = pytest.mark.skipif(available() is not None, reason=str(available()))

PIN = ":".join(["AB"] * 32)  # a certificate fingerprint as `python -m ward enrol` prints one
PROVISION = (
    "DEVICE_NAME=kiosk-bed-12\nLANGUAGE=ko\nTIMEZONE=Asia/Seoul\n"
    f"WARD_URL=https://ward.hospital.lan:8470\nWARD_TOKEN=tok_ABC-123def\nWARD_PIN={PIN}\n"
)


@pytest.mark.slow
@pytestmark_sandbox
def test_install_writes_the_ward_settings_and_starts_the_sender(tmp_path: Path) -> None:
    sandbox = Sandbox.create(tmp_path, ROOT)
    sandbox.path("/boot/firmware/kiosk.env").write_text(PROVISION)
    result = sandbox.run("systemd/install.sh /boot/firmware/kiosk.env")
    assert result.returncode == 0, result.stdout + result.stderr
    config = load_config(path=sandbox.path("/etc/expression-kiosk/config.toml"), env={})
    assert config.ward.url == "https://ward.hospital.lan:8470"
    assert config.ward.token_file == "/etc/expression-kiosk/ward-token"
    token = sandbox.path("/etc/expression-kiosk/ward-token")
    assert token.read_text() == "tok_ABC-123def\n"
    assert oct(token.stat().st_mode & 0o777) == "0o640"  # the kiosk user reads it, nobody else
    kiosk_gid = next(
        int(line.split(":")[2])
        for line in sandbox.path("/etc/group").read_text().splitlines()
        if line.startswith("kiosk:")
    )
    assert (token.stat().st_uid, token.stat().st_gid) == (0, kiosk_gid)
    assert "tok_ABC" not in sandbox.path("/etc/expression-kiosk/config.toml").read_text()
    unit = sandbox.path(f"/etc/systemd/system/{UNIT}").read_text()
    assert "ExecStart=/opt/expression-kiosk/.venv/bin/python -m device ward-link" in unit
    calls = sandbox.calls()
    assert f"systemctl enable {UNIT}" in calls
    assert f"systemctl restart {UNIT}" in calls
    assert "sending finished sessions to the ward at https://ward.hospital.lan:8470" in result.stdout
    assert config.ward.pin == PIN
    # The token leaves the boot partition once installed, like the dashboard password; the address stays.
    provisioned = sandbox.path("/boot/firmware/kiosk.env").read_text()
    assert "WARD_TOKEN" not in provisioned
    assert "tok_ABC" not in provisioned
    assert "WARD_URL=https://ward.hospital.lan:8470" in provisioned
    # Installing again (an update, a first boot re-run) keeps the installed token and the sender.
    again = sandbox.run("systemd/install.sh /boot/firmware/kiosk.env")
    assert again.returncode == 0, again.stdout + again.stderr
    assert token.read_text() == "tok_ABC-123def\n"
    reinstalled = load_config(path=sandbox.path("/etc/expression-kiosk/config.toml"), env={})
    assert reinstalled.ward.token_file == "/etc/expression-kiosk/ward-token"
    assert sandbox.calls().count(f"systemctl enable {UNIT}") == 2

    # A device provisioned without a ward never runs the sender.
    (tmp_path / "bare").mkdir()
    bare = Sandbox.create(tmp_path / "bare", ROOT)
    bare.path("/boot/firmware/kiosk.env").write_text("DEVICE_NAME=kiosk-bed-13\n")
    result = bare.run("systemd/install.sh /boot/firmware/kiosk.env")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"systemctl disable --now {UNIT}" in bare.calls()
    assert not bare.path("/etc/expression-kiosk/ward-token").exists()
    assert load_config(path=bare.path("/etc/expression-kiosk/config.toml"), env={}).ward.url == ""
    # A ward address with no token ever installed is refused in one line, and the file kept.
    bare.path("/boot/firmware/kiosk.env").write_text("DEVICE_NAME=kiosk-bed-13\nWARD_URL=https://ward.lan\n")
    result = bare.run("systemd/install.sh /boot/firmware/kiosk.env")
    assert result.returncode != 0
    assert "WARD_URL without WARD_TOKEN, and no token installed" in result.stderr


SLOW_REPS = """
CREATE FUNCTION slow_rep() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(5); RETURN NEW; END $$ LANGUAGE plpgsql;
CREATE TRIGGER slow_rep BEFORE INSERT ON rep FOR EACH STATEMENT EXECUTE FUNCTION slow_rep();
"""


@pytest.mark.slow
def test_postgresql_restarted_mid_ingest_loses_nothing_and_half_stores_nothing(
    ward: Ward,  # noqa: F811
    ward_url: str,  # noqa: F811
    postgres: PostgresServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """PostgreSQL dies inside the transaction that stores a session (its
    session row and exercises written, its reps not yet): after the restart
    nothing of that session is on the ward, the device kept it, and its
    retry stores it whole, once."""
    from device.ward_link import WardLink, backlog
    from tests.test_ward import Clock

    token = enrol("kiosk-bed-8", NOW)
    store = tmp_path / DB_NAME
    a_day_of_practice(store, "Dan")
    database_name = urlsplit(ward_url).path.lstrip("/")
    # Every rep insert waits 5 s inside the ingest's transaction: the restart lands in the middle of it.
    postgres.sql_in(database_name, SLOW_REPS)
    clock = Clock()
    link = WardLink(ward.url, token, monotonic=clock)
    sending = threading.Thread(target=link.deliver_due)
    sending.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not postgres.query_in(
        database_name, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'INSERT INTO \"rep\"%'"
    ).startswith("1"):
        time.sleep(0.05)
    postgres.restart()
    sending.join(timeout=30)
    assert not sending.is_alive()
    assert link.last_error is not None
    assert link.last_error.startswith("503 "), link.last_error  # the ward said so; nothing was marked delivered
    assert backlog() == 3

    reconnect_ward_models()
    assert WardSession.select().count() == 0  # the session whose transaction died left nothing behind
    postgres.sql_in(database_name, "DROP TRIGGER slow_rep ON rep")
    clock.t += link.delay_s
    assert link.deliver_due() == 3
    assert backlog() == 0
    stored = {s.local_id: s for s in WardSession.select()}
    assert len(stored) == 3
    device_reps = {
        row.id: RepRecord.select().where(RepRecord.session == row.id).count() for row in PracticeRecord.select()
    }
    for local_id, session in stored.items():
        assert WardRep.select().where(WardRep.session == session.id).count() == device_reps[local_id]


class HeldRequest:
    """WSGI middleware for the ward: holds the `nth` session a device sends
    until released, then lets the ward store it (its sender may be gone)."""

    def __init__(self, app: Any, nth: int) -> None:
        self.app, self.nth, self.seen = app, nth, 0
        self.held, self.release, self.stored = threading.Event(), threading.Event(), threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"] == "/api/v1/sessions" and environ["REQUEST_METHOD"] == "POST":
            self.seen += 1
            if self.seen == self.nth:
                self.held.set()
                self.release.wait(60)
                try:
                    return list(self.app(environ, start_response))
                finally:
                    self.stored.set()
        return self.app(environ, start_response)


@pytest.mark.slow
def test_a_power_cut_while_sending_loses_nothing_and_stores_nothing_twice(ward: Ward, tmp_path: Path) -> None:  # noqa: F811
    """The sender process is killed (SIGKILL: a power cut) while the ward
    holds its second session; the ward then stores that session, which the
    device never heard confirmed. Restarted, the sender sends it again: the
    ward stores every session once, and every outbox row ends delivered."""
    config, path = device_config(tmp_path, ward.url, enrol("kiosk-bed-9", NOW))
    store = config.data_dir / DB_NAME
    a_day_of_practice(store, "Eun")
    gate = HeldRequest(ward.app.wsgi_app, nth=2)
    ward.app.wsgi_app = gate  # type: ignore[method-assign]
    env = os.environ | {"KIOSK_CONFIG": str(path), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "device", "ward-link"]
    sender = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert gate.held.wait(60), "the sender never sent its second session"
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=30)
    finally:
        gate.release.set()
    assert gate.stored.wait(30)
    assert WardSession.select().count() == 2  # the first, confirmed; the second, stored after the device died
    assert OutboxRecord.select().where(OutboxRecord.delivered.is_null(False)).count() == 1  # the one it heard back
    with sqlite3.connect(store) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    sender = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while OutboxRecord.select().where(OutboxRecord.delivered.is_null()).count() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        sender.send_signal(signal.SIGTERM)
        _, err = sender.communicate(timeout=30)
    assert sender.returncode == 0, err
    assert OutboxRecord.select().where(OutboxRecord.delivered.is_null() | OutboxRecord.refused).count() == 0
    stored = list(WardSession.select())
    assert sorted(s.local_id for s in stored) == sorted(r.id for r in PracticeRecord.select())  # each once
    for session in stored:
        device_reps = RepRecord.select().where(RepRecord.session == session.local_id).count()
        assert WardRep.select().where(WardRep.session == session.id).count() == device_reps


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_the_ward_serves_https_and_the_device_trusts_only_the_pinned_certificate(
    ward_url: str,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The ward makes its certificate, enrol prints the pin, `python -m ward
    serve` (gunicorn) speaks TLS on loopback; the sender and doctor go through
    with the right pin and refuse, sending nothing, with a wrong one or none."""
    from device.ward_link import PIN_MISMATCH, WardLink, configured
    from tests.test_ward import Clock
    from ward.__main__ import main as ward_main
    from ward.tls import fingerprint, make_certificate

    port = free_port()
    config_file = tmp_path / "ward.toml"
    config_file.write_text(
        f'database = "{ward_url}"\nhost = "127.0.0.1"\nport = {port}\nsecret_key = "{"ab" * 32}"\n'
        f'tls_certificate = "{tmp_path / "tls" / "ward.pem"}"\ntls_key = "{tmp_path / "tls" / "ward.key"}"\n'
    )
    with_config = ["--config", str(config_file)]
    assert ward_main([*with_config, "certificate", "--name", "ward.hospital.lan", "--name", "127.0.0.1"]) == 0
    pin = re.search(r"WARD_PIN=(\S+)", capsys.readouterr().out).group(1)  # type: ignore[union-attr]
    assert pin == fingerprint(tmp_path / "tls" / "ward.pem")
    assert oct((tmp_path / "tls" / "ward.key").stat().st_mode & 0o777) == "0o600"
    # Never replaced behind the enrolled devices' back.
    assert ward_main([*with_config, "certificate", "--name", "127.0.0.1"]) == 1
    assert "every enrolled device pins the certificate" in capsys.readouterr().err
    assert ward_main([*with_config, "enrol", "kiosk-bed-10"]) == 0
    printed = capsys.readouterr().out
    token = re.search(r"WARD_TOKEN=(\S+)", printed).group(1)  # type: ignore[union-attr]
    assert f"WARD_PIN={pin}" in printed

    serve = [sys.executable, "-m", "ward", *with_config, "serve"]
    server = subprocess.Popen(serve, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.2)
        config, _ = device_config(tmp_path / "right", url, token, pin)
        a_day_of_practice(config.data_dir / DB_NAME, "Gyu")
        assert configured(config) == (url, token, pin.replace(":", "").lower())
        right = check_ward_link(config)
        assert right.outcome is Outcome.PASS, right
        assert right.detail.endswith("3 waiting; certificate ok (pinned)"), right.detail
        assert WardLink(url, token, pin=pin, monotonic=Clock()).deliver_due() == 3  # over TLS, through gunicorn
        database.connect(reuse_if_open=True)
        assert WardSession.select().count() == 3

        other = make_certificate(tmp_path / "other.pem", tmp_path / "other.key", ["127.0.0.1"], NOW)
        wrong_config, _ = device_config(tmp_path / "wrong", url, token, other)
        wrong = check_ward_link(wrong_config)
        assert wrong.outcome is Outcome.FAIL
        assert f"{url}: {PIN_MISMATCH}: it shows {pin}; nothing is sent to it" in wrong.detail, wrong.detail
        patient = Patient.get(Patient.name == "Gyu")
        record(config.data_dir / DB_NAME, patient, datetime(2026, 11, 19, 9), 1, "completed")
        refused = WardLink(url, token, pin=other, monotonic=Clock())
        assert refused.deliver_due() == 0
        assert refused.last_error is not None
        assert refused.last_error.startswith(f"0 {PIN_MISMATCH}"), refused.last_error
        unpinned = WardLink(url, token, monotonic=Clock())  # no pin: the system's authorities never vouched for it
        assert unpinned.deliver_due() == 0
        assert "no secure connection to the ward" in (unpinned.last_error or "")
        assert WardSession.select().count() == 3  # nothing sent to a ward it could not trust
    finally:
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=30)
    assert f"ward server on {url}".encode() in out, out
    with pytest.raises(ConfigError, match="only to this device"):  # refused before anything is sent
        device_config(tmp_path / "plain", "http://10.0.0.5:8470", token)
    with pytest.raises(WardLinkError, match="plain http to another machine"):
        WardLink("http://10.0.0.5:8470", token, pin=pin)
    with pytest.raises(ProvisioningError, match="WARD_PIN pins the ward's https certificate"):
        parse(f"WARD_URL=http://127.0.0.1:8470\nWARD_TOKEN=abc\nWARD_PIN={pin}\n")
    with pytest.raises(ProvisioningError, match="is not a SHA-256 fingerprint"):
        parse("WARD_URL=https://ward.lan\nWARD_TOKEN=abc\nWARD_PIN=12:34\n")
    assert parse(f"WARD_URL=https://ward.lan\nWARD_TOKEN=abc\nWARD_PIN={pin}\n").get("WARD_PIN") == pin
