"""Talking to systemd: readiness and the watchdog (sd_notify's protocol).

A unit with Type=notify and WatchdogSec= expects READY=1 once the service
works and WATCHDOG=1 more often than WatchdogSec; a frozen kiosk stops
sending and systemd restarts it. The protocol is one datagram to the socket
named in $NOTIFY_SOCKET, so it is written out here rather than pulling in a
C binding; outside systemd (no $NOTIFY_SOCKET) every call does nothing.
"""

from __future__ import annotations

import os
import socket
import time


class Notifier:
    def __init__(self, env: dict[str, str] | None = None) -> None:
        env = dict(os.environ) if env is None else env
        address = env.get("NOTIFY_SOCKET", "")
        if address.startswith("@"):  # an abstract socket
            address = "\0" + address[1:]
        self.address = address or None
        usec = env.get("WATCHDOG_USEC", "")
        # Ping at half the watchdog interval, as sd_watchdog_enabled(3) advises.
        self.interval = int(usec) / 2e6 if usec.isdigit() else None
        self._last_ping = 0.0

    @property
    def active(self) -> bool:
        return self.address is not None

    def send(self, message: str) -> None:
        if self.address is None:
            return
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            try:
                sock.connect(self.address)
                sock.sendall(message.encode("utf-8"))
            except OSError:
                pass  # systemd went away (shutdown): nothing to tell

    def ready(self, status: str = "") -> None:
        self.send("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def alive(self) -> None:
        """Call from the main loop: pings the watchdog when due."""
        if self.interval is None:
            return
        now = time.monotonic()
        if now - self._last_ping >= self.interval:
            self._last_ping = now
            self.send("WATCHDOG=1")

    def stopping(self) -> None:
        self.send("STOPPING=1")
