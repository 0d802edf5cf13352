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
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING

import pygame

from device.config import load_config
from device.errors import KioskError, run_entry_point
from device.logs import setup_logging
from device.practice.recording import SessionEnd

if TYPE_CHECKING:
    from ui.app import Kiosk


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
    from ui.app import Kiosk
    from ui.display import DisplayError, open_display

    try:
        panel = open_display(args.windowed, args.size, config.kiosk.rotation)
    except (DisplayError, pygame.error) as exc:
        hint = "on a desktop use --windowed; on a console run as a user in the video, render and input groups"
        raise KioskError(f"no display ({exc}); {hint}") from exc
    serve(Kiosk(config, panel), config.kiosk.fps)
    return 0


def serve(kiosk: Kiosk, fps: int) -> None:
    """Run the kiosk until it is closed or told to stop, telling systemd.

    SIGTERM (systemctl stop, an update, a shutdown) ends the loop like the
    window's close button: the screen is left (a session under way is stored
    with what was done and its camera stopped) and the database writer
    flushed before the process exits, instead of the session being found
    still running at the next start."""
    from device.service import Notifier
    from ui.app import run

    notifier = Notifier()

    def stop(signum: int, frame: FrameType | None) -> None:
        del frame
        logging.getLogger("ui").info("%s: closing the kiosk", signal.Signals(signum).name)
        notifier.stopping()
        kiosk.closing_as = SessionEnd.STOPPED  # a stop asked for, not a crash: what was done is the session
        kiosk.running = False

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        notifier.ready("kiosk running")
        # The watchdog is fed from the loop itself: if the UI freezes, systemd restarts it.
        run(kiosk, fps, on_frame=notifier.alive)
    finally:
        # SDL's own handler (installed in C) reads back as None: restore the default then.
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
    notifier.stopping()


if __name__ == "__main__":
    sys.exit(main())
