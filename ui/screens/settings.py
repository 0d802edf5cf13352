"""Settings (behind a long press): language, camera check, the caregiver
dashboard's address as text and as a QR code, the device name."""

from __future__ import annotations

import logging
from dataclasses import replace

import pygame
import segno

from device.camera.base import CameraError
from device.inventory import dashboard_urls
from device.pipeline import Pipeline, PipelineError
from ui import theme
from ui.camera_view import camera_surface
from ui.i18n import LANGUAGES
from ui.navigation import Host
from ui.screens.base import Action, Screen
from ui.sound import Cue
from ui.widgets import fit_text

log = logging.getLogger(__name__)


def qr_surface(text: str, largest: int) -> pygame.Surface:
    """`text` as a QR code, black on white with a quiet border, at most `largest` px square."""
    matrix = [list(row) for row in segno.make(text, error="m").matrix]
    border = 2
    modules = len(matrix) + 2 * border
    cell = max(1, largest // modules)
    image = pygame.Surface((cell * modules, cell * modules))
    image.fill((255, 255, 255))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                image.fill((0, 0, 0), ((x + border) * cell, (y + border) * cell, cell, cell))
    return image


class SettingsScreen(Screen):
    name = "settings"

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.url, self.mdns_url = dashboard_urls(host.config)  # by address, and by name (HOSTNAME.local)
        self.pipeline: Pipeline | None = None
        self.camera_note = ""
        self.picture: pygame.Surface | None = None
        self.qr: pygame.Surface | None = None  # drawn once per layout, not per frame
        self._frames: list[tuple[float, int]] = []  # (time, frames processed so far)

    def _dashboard_area(self) -> pygame.Rect:
        t = self.host.theme
        return pygame.Rect(t.width - t.px(250), t.px(80), t.px(230), t.height - t.px(100))

    def layout(self) -> None:
        t, w = self.host.theme, self.host.words
        self.buttons = []
        right = self._dashboard_area()
        self.qr = qr_surface(self.url, min(right.width, right.height - t.px(100)))
        x, width = t.px(24), t.px(300)
        y = t.px(110)
        for language in LANGUAGES:
            chosen = w.language == language
            # Each language named in itself; the chosen one with a check mark and an outline, not by colour alone.
            label = w(f"settings.language_{language}")
            self.button(f"language:{language}", pygame.Rect(x, y, (width - t.px(12)) // 2, t.target),
                        w("common.chosen", label=label) if chosen else label, self._language(language),
                        chosen=chosen)  # fmt: skip
            x += (width + t.px(12)) // 2
        self.button(
            "camera_check",
            pygame.Rect(t.px(24), y + t.target + t.px(16), width, t.target),
            w("settings.camera_check"),
            self._camera_check,
        )
        sound_y = y + 2 * (t.target + t.px(16))
        prefs = self.host.preferences
        small = t.target
        self.button("volume_down", pygame.Rect(t.px(24), sound_y, small, t.target), "−", self._volume(-10))
        self.button("volume_up", pygame.Rect(t.px(36) + small, sound_y, small, t.target), "+", self._volume(+10))
        mute_left = t.px(48) + 2 * small
        self.button(
            "mute",
            pygame.Rect(mute_left, sound_y, t.px(24) + width - mute_left, t.target),
            w("settings.unmute" if prefs.muted else "settings.mute"),
            self._toggle_mute,
        )
        self.button(
            "back",
            pygame.Rect(t.px(24), t.height - t.target - t.px(16), t.px(200), t.target),
            w("settings.back"),
            self.back,
        )

    def _language(self, language: str) -> Action:
        def action() -> None:
            self.host.set_language(language)

        return action

    def _volume(self, change: int) -> Action:
        def action() -> None:
            prefs = self.host.preferences
            volume = max(0, min(100, prefs.volume + change))
            self.host.choose(replace(prefs, volume=volume, muted=False))
            self.host.cues.play(Cue.GO)  # hear the new loudness
            self.layout()

        return action

    def _toggle_mute(self) -> None:
        prefs = self.host.preferences
        self.host.choose(replace(prefs, muted=not prefs.muted))
        self.layout()

    def _camera_check(self) -> None:
        if self.pipeline is not None:
            return
        try:
            self.pipeline = self.host.open_pipeline(with_classifier=False)
            self.camera_note = ""
        except CameraError as exc:
            log.warning("camera check: %s", exc)
            self.camera_note = self.host.words("message.no_camera")

    def exit(self) -> None:
        if self.pipeline is not None:
            self.pipeline.stop()
            self.pipeline = None

    def update(self, now: float) -> None:
        super().update(now)
        if self.pipeline is None:
            return
        try:
            update = self.pipeline.latest()
        except (CameraError, PipelineError) as exc:
            log.warning("camera check: %s", exc)
            self.pipeline.stop()
            self.pipeline = None
            self.camera_note = self.host.words("message.camera_lost")
            return
        if update is None:
            return
        # Frames the pipeline processed over the last two seconds (the camera's real rate).
        self._frames = [(t, n) for t, n in self._frames if now - t < 2.0] + [(now, self.pipeline.processed)]
        (t0, n0), (t1, n1) = self._frames[0], self._frames[-1]
        fps = (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0
        w = self.host.words
        self.camera_note = w("settings.camera_ok", fps=f"{fps:.0f}")
        if update.analysis.face.points is not None:
            self.camera_note += " · " + w("settings.camera_face")
        t = self.host.theme
        self.picture = camera_surface(update.frame.image, update.analysis.face.points, (t.px(200), t.px(150)))

    def draw(self, surface: pygame.Surface) -> None:
        t, w = self.host.theme, self.host.words
        self.title(surface, w("settings.title"))
        fit_text(
            surface,
            t,
            w("settings.language"),
            22,
            pygame.Rect(t.px(24), t.px(76), t.px(300), t.px(30)),
            colour=theme.MUTED,
            align="left",
        )
        prefs = self.host.preferences
        sound = w("settings.muted") if prefs.muted else w("settings.volume", volume=prefs.volume)
        fit_text(surface, t, sound, 20, pygame.Rect(t.px(24), t.px(362), t.px(300), t.px(26)),
                 colour=theme.MUTED, align="left")  # fmt: skip
        fit_text(surface, t, w("settings.device", name=self.host.config.device.name), 20,
                 pygame.Rect(t.px(240), t.height - t.px(60), t.px(300), t.px(30)), colour=theme.MUTED,
                 align="left")  # fmt: skip
        if self.camera_note:
            note = pygame.Rect(t.px(340), t.px(270), self._dashboard_area().left - t.px(350), t.px(28))
            fit_text(surface, t, self.camera_note, 20, note, align="left")
        if self.picture is not None:
            surface.blit(self.picture, (t.px(340), t.px(110)))
        right = self._dashboard_area()
        fit_text(surface, t, w("settings.dashboard"), 24, pygame.Rect(right.left, right.top, right.width, t.px(32)))
        fit_text(
            surface,
            t,
            self.url,
            22,
            pygame.Rect(right.left, right.top + t.px(36), right.width, t.px(30)),
            colour=theme.ACCENT_TEXT,
        )
        fit_text(surface, t, self.mdns_url, 18, pygame.Rect(right.left, right.top + t.px(66), right.width, t.px(24)),
                 colour=theme.MUTED)  # fmt: skip
        if self.qr is not None:
            qr_area = pygame.Rect(right.left, right.top + t.px(94), right.width, right.height - t.px(100))
            surface.blit(self.qr, self.qr.get_rect(center=qr_area.center))
        super().draw(surface)
