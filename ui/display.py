"""Opening the screen: fullscreen on the device, windowed for development.

On a Pi console without a desktop SDL draws through KMS/DRM straight to the
display (SDL_VIDEODRIVER=kmsdrm); under a desktop (X11 or Wayland) SDL picks
the desktop's driver. Tests and benchmarks set SDL_VIDEODRIVER=dummy.
"""

from __future__ import annotations

import logging
import os

import pygame

log = logging.getLogger(__name__)


def choose_driver(env: dict[str, str] | None = None) -> str | None:
    """The SDL video driver to ask for, or None to let SDL decide."""
    env = dict(os.environ) if env is None else env
    if env.get("SDL_VIDEODRIVER"):
        return env["SDL_VIDEODRIVER"]
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None  # a desktop: SDL finds it
    return "kmsdrm"  # a console: draw to the display directly


def open_display(windowed: bool, size: tuple[int, int] | None) -> pygame.Surface:
    driver = choose_driver()
    if driver is not None:
        os.environ["SDL_VIDEODRIVER"] = driver
    pygame.display.init()
    pygame.font.init()
    pygame.display.set_caption("expression practice")
    if windowed or os.environ.get("SDL_VIDEODRIVER") == "dummy":
        surface = pygame.display.set_mode(size or (800, 480))
    else:
        # (0, 0): the display's own resolution (800x480 official panel, 1024x600, 1920x1080 HDMI).
        surface = pygame.display.set_mode(size or (0, 0), pygame.FULLSCREEN)
        pygame.mouse.set_visible(False)  # a touchscreen: no pointer
    log.info("display: %s driver, %dx%d", pygame.display.get_driver(), *surface.get_size())
    return surface
