"""The dashboard's security cases against the real server (`python -m device
web`, waitress, in its own process), as an attacker would try them."""

from __future__ import annotations

import http.cookiejar
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from benchmarks.servers import csrf_token, dashboard, free_port, login, opener
from device.store.db import DB_NAME, open_database
from device.store.synthetic import seed_history
from device.web.security import PASSWORD_FILE
from tests.helpers import FIXTURES, ROOT

pytestmark = pytest.mark.slow  # a real server process

PASSWORD = "blue heron 42"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # hand the 3xx back to the caller


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("server")
    open_database(data / DB_NAME)
    seed_history("Mina", date(2026, 5, 1), date(2026, 5, 20), sessions_per_day=(1, 2), seed=5)
    environment = {
        "PATH": "/usr/bin:/bin",
        "KIOSK_CONFIG": str(FIXTURES / "empty-config.toml"),
        "KIOSK_DATA_DIR": str(data),
        "KIOSK_WEB_PORT": str(free_port()),
    }
    set_password(environment, PASSWORD)
    return environment


def set_password(env: dict[str, str], password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "device", "web", "--set-password"], input=password + "\n",
                          text=True, env=env, cwd=ROOT, capture_output=True, timeout=60, check=False)  # fmt: skip


@pytest.fixture
def server(env: dict[str, str]) -> Iterator[str]:
    set_password(env, PASSWORD)
    with dashboard(env) as (url, _):
        yield url


def status(jar: http.cookiejar.CookieJar, url: str) -> int:
    try:
        with opener(jar).open(url) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def copy_of(jar: http.cookiejar.CookieJar) -> http.cookiejar.CookieJar:
    """Another client holding the same cookie: a captured one."""
    stolen = http.cookiejar.CookieJar()
    for cookie in jar:
        stolen.set_cookie(cookie)
    return stolen


def post(jar: http.cookiejar.CookieJar, base: str, path: str, form: dict[str, str]) -> int:
    client = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    form = {**form, "csrf_token": csrf_token(opener(jar), base + "/patients")}
    try:
        with client.open(base + path, data=urllib.parse.urlencode(form).encode()) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("target", ["/%09/evil.com", "//evil.com", "/%0a/evil.com", "https://evil.com"])
def test_login_never_redirects_off_the_site(server: str, target: str) -> None:
    jar = http.cookiejar.CookieJar()
    client = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    form = {"password": PASSWORD, "csrf_token": csrf_token(opener(jar), server + "/login")}
    with pytest.raises(urllib.error.HTTPError) as answer:
        client.open(f"{server}/login?next={target}", data=urllib.parse.urlencode(form).encode())
    assert answer.value.code == 302
    assert answer.value.headers["Location"] == "/"


def test_a_captured_cookie_dies_with_logout_and_stays_dead_after_a_restart(env: dict[str, str]) -> None:
    with dashboard(env) as (base, _):
        jar = login(base, PASSWORD)
        stolen = copy_of(jar)
        assert status(stolen, base + "/api/patients") == 200
        assert post(jar, base, "/logout", {}) == 302
        assert status(stolen, base + "/api/patients") == 401
    with dashboard(env) as (base, _):  # the dashboard restarted
        assert status(stolen, base + "/api/patients") == 401


def test_a_new_password_ends_every_session(server: str, env: dict[str, str]) -> None:
    jar = login(server, PASSWORD)
    assert status(jar, server + "/api/patients") == 200
    assert set_password(env, "another long one").returncode == 0
    assert status(jar, server + "/api/patients") == 401
    assert set_password(env, "        ").returncode != 0  # spaces are not a password


@pytest.mark.parametrize(
    "path",
    [
        "/patients/99999999999999999999999/month/2026-05",
        "/patients/1/month/10000-01",
        "/patients/1/day/0001-01-01",
        "/patients/1/report?from=0001-01-01&to=2026-05-01",
        "/patients/1/report?from=2026-05-01&to=10000-01-01",
        "/api/patients/1/day/%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-05-04",
        "/patients/1/export/sessions.csv?from=%00",
    ],
)
def test_bad_input_is_4xx_never_5xx(server: str, path: str) -> None:
    code = status(login(server, PASSWORD), server + path)
    assert 400 <= code < 500


def test_a_plan_with_unicode_digits_is_refused_with_400(server: str) -> None:
    jar = login(server, PASSWORD)
    form = {"use_brow_raise": "on", "reps_brow_raise": "²", "effort": "gentle"}
    assert post(jar, server, "/patients/1/plan", form) == 400


def test_a_bad_port_is_refused_when_the_config_loads(tmp_path: Path, env: dict[str, str]) -> None:
    result = subprocess.run([sys.executable, "-m", "device", "web"], env={**env, "KIOSK_WEB_PORT": "99999"},
                            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert result.returncode == 2
    assert "must be at most 65535" in result.stderr
    assert "Traceback" not in result.stderr


def raw_status(base: str, path: str, host: bytes) -> int:
    """The status code the server answers a GET of `path` with this exact Host header (raw bytes)."""
    address = urllib.parse.urlsplit(base)
    with socket.create_connection((address.hostname or "127.0.0.1", address.port or 80), timeout=10) as conn:
        conn.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n")
        answer = b""
        while b"\r\n" not in answer:
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1])


# Hosts Werkzeug refuses (a..b, a lone dot, a label over 63 characters) and a
# bounded fuzz of others: dots, colons, brackets, digits of other scripts, bytes above ASCII.
BAD_HOSTS = [b"a..b", b".", b"x" * 64 + b".com", b"..", b"a" * 300, b"a.." + b"b" * 64]


def fuzzed_hosts(count: int, seed: int = 31) -> list[bytes]:
    rng = random.Random(seed)
    alphabet = [b"a", b"Z", b"0", b"9", b".", b"..", b"-", b":", b"[", b"]", b"%", b"_", b"@", b"x" * 63,
                "é".encode(), "٣".encode(), b"\xff", b"*"]  # fmt: skip
    return [b"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(count)]


def test_a_host_header_the_server_refuses_is_a_400_never_a_500(server: str) -> None:
    """Unauthenticated, on every kind of route: the page, the API, the login, a static file."""
    paths = ["/", "/login", "/api/patients", "/static/style.css", "/patients/1/trends", "/nowhere"]
    for host in BAD_HOSTS:
        for path in paths:
            assert raw_status(server, path, host) == 400, (host, path)
    answers = {host: raw_status(server, paths[len(host) % len(paths)], host) for host in fuzzed_hosts(300)}
    assert all(code < 500 for code in answers.values()), {h: c for h, c in answers.items() if c >= 500}
    assert raw_status(server, "/health", b"127.0.0.1") == 200  # and the server still answers


# -- how long a login lasts --------------------------------------------------------


def session_serializer(env: dict[str, str]) -> Any:
    """Flask's own signer of session cookies, with this device's key."""
    from flask import Flask

    from device.web.security import SECRET_FILE

    app = Flask(__name__)
    app.secret_key = (Path(env["KIOSK_DATA_DIR"]) / SECRET_FILE).read_bytes()
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None
    return serializer


def forged_session(env: dict[str, str], **values: object) -> str:
    """A session cookie signed with this device's own key, as the dashboard
    would have issued it, holding `values` (an old login time, say)."""
    return str(session_serializer(env).dumps(values))


def with_cookie(base: str, path: str, cookie: str) -> tuple[int, str | None]:
    """Status and any reissued session cookie for a request carrying `cookie`."""
    request = urllib.request.Request(base + path, headers={"Cookie": f"session={cookie}"})
    client = urllib.request.build_opener(NoRedirect)
    try:
        with client.open(request) as response:
            return int(response.status), response.headers.get("Set-Cookie")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Set-Cookie")


def test_a_login_lasts_seven_days_from_the_password_however_often_it_is_used(server: str, env: dict[str, str]) -> None:
    from device.web.security import generation

    current = generation(Path(env["KIOSK_DATA_DIR"]))
    day = 24 * 3600
    fresh = {"logged_in": True, "generation": current, "permanent": True}
    login_at = time.time() - 6.99 * day
    code, reissued = with_cookie(server, "/api/patients", forged_session(env, **fresh, login_at=login_at))
    assert code == 200
    if reissued is not None:  # a reissued cookie keeps the login's own time: it is never extended
        value = reissued.split(";", 1)[0].removeprefix("session=")
        assert session_serializer(env).loads(value)["login_at"] == pytest.approx(login_at)
    expired = forged_session(env, **fresh, login_at=time.time() - 7.01 * day)
    assert with_cookie(server, "/api/patients", expired)[0] == 401
    assert with_cookie(server, "/api/patients", forged_session(env, **fresh))[0] == 401  # no login time: log in again
    assert with_cookie(server, "/api/patients", forged_session(env, **fresh, login_at=time.time()))[0] == 200


def test_deleting_the_password_file_does_not_bring_old_cookies_back(server: str, env: dict[str, str]) -> None:
    password_file = Path(env["KIOSK_DATA_DIR"]) / PASSWORD_FILE
    password_file.unlink()
    assert set_password(env, PASSWORD).returncode == 0
    jar = login(server, PASSWORD)
    assert status(jar, server + "/api/patients") == 200
    password_file.unlink()  # as a technician might, to "reset" the password
    assert set_password(env, PASSWORD).returncode == 0  # the same password, even
    assert status(jar, server + "/api/patients") == 401


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("KIOSK_WEB_HOST", "999.1.1.1", "must be an IP address or a host name"),
        ("KIOSK_WEB_HOST", "10.0.0.256", "must be an IP address or a host name"),
        ("KIOSK_WEB_PORT", "٨٠٨٠", "must be a whole number"),  # Arabic-Indic digits: 8080 to Python's int()
        ("KIOSK_WEB_PORT", "８０８０", "must be a whole number"),  # full-width digits
    ],
)
def test_a_bad_address_or_port_is_one_line_before_the_server_starts(
    env: dict[str, str], variable: str, value: str, says: str
) -> None:
    result = subprocess.run([sys.executable, "-m", "device", "web"], env={**env, variable: value},
                            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert result.returncode == 2
    assert says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
