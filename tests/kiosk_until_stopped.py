"""A real kiosk process for tests/test_kiosk_stop.py: the kiosk of
`python -m ui` (dummy display, the configured camera), taken by touch into
practising one exercise, then served exactly as `python -m ui` serves it
(ui.__main__.serve) until a signal stops it.

    python -m tests.kiosk_until_stopped EXERCISE_ID     # KIOSK_CONFIG names the configuration

Prints "practising" once the exercise has started.
"""

from __future__ import annotations

import os
import sys

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame

from device.config import load_config
from device.logs import setup_logging
from ui.__main__ import serve
from ui.app import Kiosk


def tap(kiosk: Kiosk, name: str) -> None:
    [button] = [b for b in kiosk.screen.buttons if b.name == name]
    width, height = kiosk.surface.get_size()
    position = {"x": button.rect.centerx / width, "y": button.rect.centery / height}
    for kind in (pygame.FINGERDOWN, pygame.FINGERUP):
        common = {"dx": 0.0, "dy": 0.0, "touch_id": 0, "finger_id": 0, "pressure": 1.0}
        pygame.event.post(pygame.event.Event(kind, position | common))
        kiosk.step()


def main(exercise_id: str) -> int:
    config = load_config()
    setup_logging(config)
    pygame.display.init()
    pygame.font.init()
    kiosk = Kiosk(config, pygame.display.set_mode((800, 480)))
    kiosk.step()
    for name in ("choose", f"exercise:{exercise_id}", "start"):
        tap(kiosk, name)
    assert kiosk.screen.name == "practice", kiosk.screen.name
    print("practising", flush=True)
    serve(kiosk, config.kiosk.fps)
    pygame.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
