"""python -m ui: the fullscreen practice kiosk.

    python -m ui                 # fullscreen (KMS/DRM on a console, or the desktop)
    python -m ui --windowed      # a window, for development
    python -m ui --camera demo   # any camera source (default: the camera.source setting)

In a development checkout with no camera attached the kiosk plays the
embedded demo; an installed device says the camera is not connected instead.
Expected failures (bad configuration, missing landmark model, no display)
end as one line (device.errors); anything else inside the kiosk shows a
friendly screen and goes to the log.
"""

from __future__ import annotations

import argparse
import logging
import sys

import pygame

from device.config import load_config
from device.errors import KioskError, run_entry_point
from device.logs import setup_logging


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 800x480, got '{text}'") from None
    return width, height


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui", description=__doc__.splitlines()[0])
    parser.add_argument("--windowed", action="store_true", help="a window instead of fullscreen")
    parser.add_argument("--size", type=parse_size, default=None, help="window size, e.g. 800x480")
    parser.add_argument("--camera", metavar="SOURCE", help="camera source (overrides camera.source)")
    parser.add_argument("--language", choices=("ko", "en"), help="overrides kiosk.language")
    args = parser.parse_args(argv)
    try:
        return run_entry_point(lambda: _run(args), logging.getLogger("ui"))
    finally:
        pygame.quit()


def _run(args: argparse.Namespace) -> int:
    config = load_config(overrides={"camera.source": args.camera, "kiosk.language": args.language})
    setup_logging(config)
    from device.service import Notifier
    from ui.app import Kiosk, run
    from ui.display import open_display

    try:
        surface = open_display(args.windowed, args.size)
    except pygame.error as exc:
        hint = "on a desktop use --windowed; on a console run as a user in the video, render and input groups"
        raise KioskError(f"no display ({exc}); {hint}") from exc
    kiosk = Kiosk(config, surface)
    notifier = Notifier()
    notifier.ready("kiosk running")
    # The watchdog is fed from the loop itself: if the UI freezes, systemd restarts it.
    run(kiosk, config.kiosk.fps, on_frame=notifier.alive)
    notifier.stopping()
    return 0


if __name__ == "__main__":
    sys.exit(main())
