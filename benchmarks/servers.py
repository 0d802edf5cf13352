"""The real dashboard server (`python -m device web`, waitress) in its own
process, for the dashboard benchmark and the tests (which import it from
here: benchmarks never import tests). Standard library only, so the
benchmark needs no test packages."""

from __future__ import annotations

import http.cookiejar
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def dashboard(env: Mapping[str, str], timeout: float = 30.0) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start the dashboard with `env` on 127.0.0.1 (a free port unless
    KIOSK_WEB_PORT is given), wait until /health answers, and yield its base
    URL and process; it is stopped afterwards if still running."""
    env = {"KIOSK_WEB_HOST": "127.0.0.1", **env}
    env.setdefault("KIOSK_WEB_PORT", str(free_port()))
    base = f"http://127.0.0.1:{env['KIOSK_WEB_PORT']}"
    process = subprocess.Popen([sys.executable, "-m", "device", "web"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def opener(jar: http.cookiejar.CookieJar) -> urllib.request.OpenerDirector:
    """An HTTP client that keeps the dashboard's session cookie in `jar`."""
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def csrf_token(client: urllib.request.OpenerDirector, url: str) -> str:
    """The CSRF token of the form on the page at `url` (it changes when a login starts a new session)."""
    found = CSRF_FIELD.search(client.open(url).read().decode())
    if found is None:
        raise ValueError(f"{url} has no form with a CSRF token")
    return found.group(1)


def login(base: str, password: str) -> http.cookiejar.CookieJar:
    """Log in through the login form; the jar holds the logged-in session."""
    jar = http.cookiejar.CookieJar()
    client = opener(jar)
    form = {"password": password, "csrf_token": csrf_token(client, base + "/login")}
    client.open(base + "/login", data=urllib.parse.urlencode(form).encode()).read()
    return jar
