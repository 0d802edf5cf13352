"""The dashboard's security cases against the real server (`python -m device
web`, waitress, in its own process), as an attacker would try them."""

from __future__ import annotations

import http.cookiejar
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from benchmarks.servers import csrf_token, dashboard, free_port, login, opener
from device.store.db import DB_NAME, open_database
from device.store.synthetic import seed_history
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
