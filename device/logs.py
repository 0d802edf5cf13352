"""Logging set-up shared by every entry point: to stderr, which systemd sends
to the journal, at the level of the `log.level` setting."""

from __future__ import annotations

import logging

from device.config import Config


def setup_logging(config: Config) -> None:
    logging.basicConfig(
        level=config.log.level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
