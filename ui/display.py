"""Opening the screen: fullscreen on the device, windowed for development.

On a Pi console without a desktop SDL draws through KMS/DRM straight to the
display (SDL_VIDEODRIVER=kmsdrm); under a desktop (X11 or Wayland) SDL picks
the desktop's driver. Tests and benchmarks set SDL_VIDEODRIVER=dummy.

Which drivers exist is decided when SDL is built, not here: PyPI pygame's
wheels bundle an SDL without KMS/DRM, pygame-ce's (requirements.txt) with it.
`compiled_video_drivers` reads the list from the SDL library that
`import pygame` loaded, so a missing driver is named before SDL's own
"kmsdrm not available".

    python -m ui.display          # opens the display as the kiosk service does, one line, exit 1 on failure
"""

from __future__ import annotations

import ctypes
import importlib
import logging
import os
import sys

import pygame

from ui.rotation import Panel

log = logging.getLogger(__name__)


class DisplayError(RuntimeError):
    """The display cannot be opened; the message says why and what to do."""


def choose_driver(env: dict[str, str] | None = None) -> str | None:
    """The SDL video driver to ask for, or None to let SDL decide."""
    env = dict(os.environ) if env is None else env
    if env.get("SDL_VIDEODRIVER"):
        return env["SDL_VIDEODRIVER"]
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None  # a desktop: SDL finds it
    return "kmsdrm"  # a console: draw to the display directly


def _sdl_names(count_function: str, name_function: str) -> list[str]:
    # dlsym through pygame's own extension module searches it and the
    # libraries it was linked against: the SDL that `import pygame` loaded
    # (the wheel's bundled copy, or the system's for Debian's python3-pygame).
    sdl = ctypes.CDLL(importlib.import_module("pygame.base").__file__)
    count = getattr(sdl, count_function)
    count.restype = ctypes.c_int
    name = getattr(sdl, name_function)
    name.restype = ctypes.c_char_p
    name.argtypes = [ctypes.c_int]
    return [name(i).decode() for i in range(count())]


def compiled_video_drivers() -> list[str]:
    """The video drivers built into the SDL that pygame uses, in SDL's spelling
    (e.g. x11, wayland, KMSDRM, offscreen, dummy, evdev)."""
    return _sdl_names("SDL_GetNumVideoDrivers", "SDL_GetVideoDriver")


def compiled_audio_drivers() -> list[str]:
    """The audio drivers built into the SDL that pygame uses (alsa, pulseaudio, ...)."""
    return _sdl_names("SDL_GetNumAudioDrivers", "SDL_GetAudioDriver")


def has_driver(drivers: list[str], wanted: str) -> bool:
    return wanted.lower() in {d.lower() for d in drivers}


def portrait_unturned(panel: Panel) -> bool:
    """A portrait screen (Touch Display 2 as it comes) drawn unturned: the
    kiosk's screens are laid out landscape, so kiosk.rotation should be 90 or 270."""
    width, height = panel.surface.get_size()
    return height > width


def open_display(windowed: bool, size: tuple[int, int] | None, rotation: int = 0) -> Panel:
    """The screen, as a Panel whose `surface` is what the kiosk draws on
    (turned by `rotation` degrees clockwise onto the screen)."""
    driver = choose_driver()
    if driver is not None:
        if sys.platform.startswith("linux") and not has_driver(compiled_video_drivers(), driver):
            drivers = ", ".join(compiled_video_drivers())
            raise DisplayError(
                f"the SDL inside pygame {pygame.version.ver} has no '{driver}' video driver (it has {drivers}): "
                "run ./setup.sh, which installs pygame-ce (its SDL has KMS/DRM)"
            )
        os.environ["SDL_VIDEODRIVER"] = driver
    try:
        pygame.display.init()
    except pygame.error as exc:
        raise DisplayError(str(exc)) from exc
    pygame.font.init()
    pygame.display.set_caption("expression practice")
    if windowed or os.environ.get("SDL_VIDEODRIVER") == "dummy":
        screen = pygame.display.set_mode(size or (800, 480))
    else:
        # (0, 0): the display's own resolution (800x480 official panel, 720x1280 Touch Display 2, 1920x1080 HDMI).
        screen = pygame.display.set_mode(size or (0, 0), pygame.FULLSCREEN)
        pygame.mouse.set_visible(False)  # a touchscreen: no pointer
    panel = Panel(screen, rotation)
    if portrait_unturned(panel):
        log.warning("a portrait screen drawn unturned: set kiosk.rotation to 90 or 270 (docs/raspberry-pi.md)")
    log.info(
        "display: %s driver, %dx%d, drawn at %dx%d turned %d degrees",
        pygame.display.get_driver(),
        *screen.get_size(),
        *panel.surface.get_size(),
        rotation,
    )
    return panel


def main() -> int:
    """Open the display the way the kiosk service does (kiosk.rotation included),
    draw one frame and close it: one line, exit 0 if it worked."""
    from device.config import load_config

    config = load_config()
    try:
        panel = open_display(False, None, config.kiosk.rotation)
        panel.surface.fill((16, 24, 32))
        panel.show()
        width, height = panel.screen.get_size()
        print(f"{pygame.display.get_driver()} driver, {width}x{height}, turned {panel.rotation} degrees")
        if portrait_unturned(panel):
            print(f"the screen is {width}x{height}, portrait, and the kiosk is laid out landscape: set kiosk.rotation")
            return 1
        return 0
    except (DisplayError, pygame.error) as exc:
        print(f"cannot open the display: {exc}")
        return 1
    finally:
        pygame.quit()


if __name__ == "__main__":
    sys.exit(main())
