"""The display and sound the kiosk service gets on a Pi: the SDL inside
pygame has the KMS/DRM video driver and the ALSA audio driver, a panel
mounted turned shows the picture turned and turns touches back, and a
sound output that cannot start is said on screen and by `python -m ui.sound`."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"  # before pygame opens a display
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame
import pytest

from device.config import Config, load_config
from device.doctor import Outcome, check_display, check_sound, sound_cards
from tests.helpers import ROOT
from ui import theme
from ui.app import Kiosk
from ui.display import (
    DisplayError,
    compiled_audio_drivers,
    compiled_video_drivers,
    open_display,
    portrait_unturned,
)
from ui.preferences import Preferences
from ui.rotation import Panel
from ui.sound import Cue

RED, GREEN = (255, 0, 0), (0, 255, 0)


def test_the_sdl_that_pygame_loads_has_kms_drm() -> None:
    """A Pi console has no X11 or Wayland: without KMSDRM compiled in the
    kiosk service can never open the screen (PyPI pygame 2.6.1's SDL lacks it)."""
    drivers = compiled_video_drivers()
    print(f"pygame {pygame.version.ver}, SDL {pygame.get_sdl_version()}: {drivers}")
    assert "kmsdrm" in {d.lower() for d in drivers}, f"no KMS/DRM video driver in {drivers}"
    assert "dummy" in drivers  # the tests' own driver comes from the same list


def test_the_sdl_that_pygame_loads_plays_through_alsa() -> None:
    """The service has no user session, so no PulseAudio or PipeWire: ALSA it is."""
    assert "alsa" in compiled_audio_drivers()


def test_a_driver_that_is_not_built_in_is_named_before_sdl_tries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "directfb")
    with pytest.raises(DisplayError, match=r"has no 'directfb' video driver .*pygame-ce"):
        open_display(False, None)


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_a_turned_panel_shows_the_picture_turned_and_turns_touches_back(rotation: int) -> None:
    pygame.display.init()
    try:
        screen = pygame.display.set_mode((720, 1280))
        panel = Panel(screen, rotation)
        width, height = panel.surface.get_size()
        assert (width, height) == ((1280, 720) if rotation in (90, 270) else (720, 1280))
        panel.surface.fill(GREEN)
        pygame.draw.rect(panel.surface, RED, (0, 0, 40, 40))  # the picture's top-left corner
        panel.show()
        # Where the picture's top-left lands, turned clockwise on the screen.
        corner = {90: (719 - 20, 20), 180: (719 - 20, 1279 - 20), 270: (20, 1279 - 20)}[rotation]
        assert screen.get_at(corner)[:3] == RED
        assert screen.get_at((360, 640))[:3] == GREEN
        # A finger on that corner of the screen touches the picture's top-left.
        fx, fy = (corner[0] + 0.5) / 720, (corner[1] + 0.5) / 1280
        x, y = panel.point(fx, fy)
        assert x * width < 40
        assert y * height < 40
        assert panel.pixel(corner)[0] < 40
        assert panel.pixel(corner)[1] < 40
    finally:
        pygame.display.quit()


def test_an_unturned_panel_draws_on_the_screen_itself() -> None:
    pygame.display.init()
    try:
        screen = pygame.display.set_mode((800, 480))
        panel = Panel(screen, 0)
        assert panel.surface is screen
        assert panel.point(0.25, 0.75) == (0.25, 0.75)
        with pytest.raises(ValueError, match="rotation"):
            Panel(screen, 45)
    finally:
        pygame.display.quit()


def test_the_kiosk_on_a_portrait_panel_turned_90_is_worked_by_touch(tmp_path: Path) -> None:
    """Touch Display 2 (720x1280) on its long side: the kiosk draws 1280x720
    and a finger on a button, in the screen's own coordinates, presses it."""
    config = load_config(
        path=None,
        env={},
        overrides={"device.data_dir": str(tmp_path), "camera.source": "demo", "kiosk.language": "en"},
    )
    pygame.display.init()
    pygame.font.init()
    kiosk = None
    try:
        screen = pygame.display.set_mode((720, 1280))
        kiosk = Kiosk(config, Panel(screen, 90))
        kiosk.step()
        assert kiosk.surface.get_size() == (1280, 720)
        assert kiosk.theme.width == 1280
        button = next(b for b in kiosk.screen.buttons if b.name == "choose")
        # The button's centre on the drawing, and where a finger finds it on the turned screen.
        bx, by = button.rect.center
        sx, sy = 1.0 - (by + 0.5) / 720, (bx + 0.5) / 1280  # drawing (a, b) shows at screen (1 - b, a)
        for kind in (pygame.FINGERDOWN, pygame.FINGERUP):
            common = {"x": sx, "y": sy, "dx": 0.0, "dy": 0.0, "touch_id": 0, "finger_id": 0, "pressure": 1.0}
            pygame.event.post(pygame.event.Event(kind, common))
            kiosk.step()
        assert kiosk.screen.name == "choose"
    finally:
        if kiosk is not None:
            kiosk.close()
        pygame.display.quit()


def sound_check(tmp_path: Path, device: str) -> subprocess.CompletedProcess[str]:
    """`python -m ui.sound` with kiosk.sound_device = DEVICE, on SDL's ALSA driver as under the service."""
    config = tmp_path / "config.toml"
    config.write_text(f'[device]\ndata_dir = "{tmp_path / "data"}"\n[kiosk]\nsound_device = "{device}"\n')
    env = {
        "PATH": os.environ["PATH"],
        "KIOSK_CONFIG": str(config),
        "SDL_AUDIODRIVER": "alsa",
        "PYGAME_HIDE_SUPPORT_PROMPT": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "ui.sound"], check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_sound_check_opens_the_configured_alsa_device(tmp_path: Path) -> None:
    """ALSA's null device exists wherever ALSA's configuration does (the Pi's
    libasound2); a name that is no device fails in one line."""
    works = sound_check(tmp_path, "null")
    assert works.returncode == 0, works.stdout + works.stderr
    assert "null through alsa: a tone was played" in works.stdout
    missing = sound_check(tmp_path, "nosuchcard")
    assert missing.returncode == 1
    assert missing.stdout.strip().startswith("no sound output on nosuchcard (")
    assert len(missing.stdout.strip().splitlines()) == 1


def test_the_kiosk_says_when_sound_could_not_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(
        path=None,
        env={},
        overrides={"device.data_dir": str(tmp_path), "camera.source": "demo", "kiosk.sound_device": "nosuchcard"},
    )
    pygame.mixer.quit()
    monkeypatch.setenv("SDL_AUDIODRIVER", "alsa")
    monkeypatch.delenv("AUDIODEV", raising=False)
    pygame.display.init()
    pygame.font.init()
    kiosk = None
    try:
        surface = pygame.display.set_mode((800, 480))
        kiosk = Kiosk(config, surface)
        kiosk.step()
        assert kiosk.cues.error is not None
        assert "ALSA" in kiosk.cues.error
        note = kiosk.theme.fitted_text(kiosk.words("message.no_sound"), 16, theme.WARN, 400, kiosk.theme.px(22))
        band = pygame.surfarray.array3d(surface)[:, 480 - note.get_height() - 2 :]
        assert (band == theme.WARN).all(axis=2).sum() > 50, "no note along the bottom"
        kiosk.cues.play(Cue.HOLD)
        assert sum(kiosk.cues.played.values()) == 1  # counted, never raised
        # A patient who turned the sound off is not told it is off.
        kiosk.preferences = replace(kiosk.preferences, muted=True)
        kiosk.step()
        band = pygame.surfarray.array3d(surface)[:, 480 - note.get_height() - 2 :]
        assert (band == theme.WARN).all(axis=2).sum() == 0
    finally:
        if kiosk is not None:
            kiosk.close()
        pygame.mixer.quit()
        pygame.display.quit()


def test_the_kiosk_unit_plays_through_alsa_and_takes_the_screen_from_a_desktop() -> None:
    unit = (ROOT / "systemd" / "expression-kiosk.service").read_text()
    settings = dict(line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#"))
    assert "audio" in settings["SupplementaryGroups"].split()
    assert "Environment=SDL_AUDIODRIVER=alsa" in unit
    # The display manager's compositor would hold DRM master: the kiosk stops it, after it has stopped.
    assert "display-manager.service" in settings["Conflicts"].split()
    assert "display-manager.service" in settings["After"].split()
    # After= on udev-settle without Wants= did nothing; it is gone rather than pulled in.
    assert "systemd-udev-settle.service" not in unit


def doctor_config(tmp_path: Path, sound_device: str = "") -> Config:
    path = tmp_path / "config.toml"
    path.write_text(f'[device]\ndata_dir = "{tmp_path / "data"}"\n[kiosk]\nsound_device = "{sound_device}"\n')
    return load_config(path=path, env={})


def test_doctor_opens_the_display_as_the_service_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    check = check_display(doctor_config(tmp_path))
    assert check.outcome == Outcome.PASS, check
    assert check.detail == "dummy driver, 800x480, turned 0 degrees"
    # KMS/DRM is built in, but this machine has no display for it: what SDL says, and what to do.
    monkeypatch.setenv("SDL_VIDEODRIVER", "kmsdrm")
    check = check_display(doctor_config(tmp_path))
    assert check.outcome == Outcome.FAIL, check
    assert check.detail.startswith("cannot open the display: ")
    assert "multi-user.target" in check.advice


def test_doctor_plays_the_configured_sound_output(tmp_path: Path) -> None:
    assert check_sound(doctor_config(tmp_path, "null")).outcome == Outcome.PASS
    missing = check_sound(doctor_config(tmp_path, "nosuchcard"))
    assert missing.outcome == Outcome.FAIL
    assert missing.detail.startswith("no sound output on nosuchcard (")
    assert "Pi 5 has no headphone jack" in missing.advice
    # Working, but the patient's kiosk is set silent: the eye exercises' cues would not be heard.
    config = doctor_config(tmp_path, "null")
    replace(Preferences.load(config), muted=True).save(config.data_dir)
    silent = check_sound(config)
    assert silent.outcome == Outcome.FAIL
    assert "set silent" in silent.detail


def test_doctor_reads_the_kernels_sound_cards(tmp_path: Path) -> None:
    cards = tmp_path / "cards"
    cards.write_text(
        " 0 [vc4hdmi0      ]: vc4-hdmi - vc4-hdmi-0\n                      vc4-hdmi-0\n"
        " 1 [Device        ]: USB-Audio - USB Audio Device\n                      C-Media USB Audio at usb-1\n"
    )
    assert sound_cards(cards) == ["vc4hdmi0", "Device"]
    cards.write_text("--- no soundcards ---\n")
    assert sound_cards(cards) == []
    assert sound_cards(tmp_path / "absent") == []


def test_a_portrait_screen_drawn_unturned_is_named() -> None:
    pygame.display.init()
    try:
        screen = pygame.display.set_mode((720, 1280))
        assert portrait_unturned(Panel(screen, 0))
        assert not portrait_unturned(Panel(screen, 90))
        assert not portrait_unturned(Panel(screen, 270))
    finally:
        pygame.display.quit()


# Every panel the kiosk is meant for: Touch Display 2 turned onto its long
# side, the 7" official display, an HD and a full-HD HDMI screen.
PANELS = [((720, 1280), 90), ((1280, 720), 0), ((800, 480), 0), ((1920, 1080), 0)]


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize(("size", "rotation"), PANELS, ids=[f"{w}x{h}" for (w, h), _ in PANELS])
def test_screens_at_every_panel_size_keep_their_buttons_whole(
    tmp_path: Path, language: str, size: tuple[int, int], rotation: int
) -> None:
    """Home, the exercise list and an exercise's intro, saved as the panel
    shows them (tmp_path/*.png, looked at; a few are in docs/screenshots/):
    every button on the screen, none over another, none smaller than a
    touch target."""
    config = load_config(
        path=None,
        env={},
        overrides={"device.data_dir": str(tmp_path / "data"), "camera.source": "demo", "kiosk.language": language},
    )
    pygame.display.init()
    pygame.font.init()
    kiosk = None
    try:
        kiosk = Kiosk(config, Panel(pygame.display.set_mode(size), rotation))
        t = kiosk.theme
        for name, tap in (("home", None), ("choose", "choose"), ("intro", "exercise:closed_smile")):
            if tap is not None:
                [button] = [b for b in kiosk.screen.buttons if b.name == tap]
                kiosk.screen.on_tap(button.rect.center)
            kiosk.step()
            assert kiosk.screen.name == name
            pygame.image.save(kiosk.panel.screen, str(tmp_path / f"kiosk-{name}-{language}-{size[0]}x{size[1]}.png"))
            buttons = kiosk.screen.shown_buttons()
            whole = kiosk.surface.get_rect()
            for button in buttons:
                assert whole.contains(button.rect), (name, button.name, button.rect)
                assert min(button.rect.size) >= t.target * 0.99, (name, button.name, button.rect)
            for i, button in enumerate(buttons):
                for other in buttons[i + 1 :]:
                    assert not button.rect.colliderect(other.rect), (name, button.name, other.name)
    finally:
        if kiosk is not None:
            kiosk.close()
        pygame.display.quit()
