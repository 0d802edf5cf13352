"""Serving the ward: gunicorn, which speaks TLS itself, so a ward on the
hospital LAN serves https with its own certificate (ward/tls.py) and needs
no TLS terminator in front of it. One worker process with 8 threads (the
ward's pages and ingest are short, database-bound requests; one process
keeps one patient-history cache); gunicorn restarts a worker that hangs."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from ward.config import WardConfig

THREADS = 8


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def address(config: WardConfig) -> str:
    scheme = "https" if config.tls_certificate else "http"
    return f"{scheme}://{config.host}:{config.port}"


def serve(app: Flask, config: WardConfig) -> None:
    """Serve `app` until stopped (SIGTERM: gunicorn lets requests under way finish)."""
    options: dict[str, Any] = {
        "bind": f"[{config.host}]:{config.port}" if ":" in config.host else f"{config.host}:{config.port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": THREADS,
        "timeout": 60,
        "graceful_timeout": 10,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "ward",
    }
    if config.tls_certificate:
        options |= {"certfile": config.tls_certificate, "keyfile": config.tls_key}
    _Gunicorn(app, options).run()
