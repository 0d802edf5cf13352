"""Colours, type and sizes: high contrast, readable at a metre, touch targets
of at least 10 mm on every supported screen.

Sizes are given for the official 800x480 7" display (about 6.5 px per mm)
and scaled with the screen's height, so a 1920x1080 HDMI screen gets the same
layout, larger.
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

import pygame

BACKGROUND = (16, 24, 32)
PANEL = (31, 45, 61)
TEXT = (245, 247, 250)
MUTED = (170, 182, 194)
ACCENT = (59, 130, 246)
GOOD = (34, 197, 94)
WARN = (250, 204, 21)
BAD = (248, 113, 113)
BUTTON = (51, 65, 85)
BUTTON_TEXT = TEXT

BASE_HEIGHT = 480
MIN_TARGET = 72  # px at 800x480: 11 mm on the 7" display

# Noto Sans CJK has Hangul and Latin (Debian: fonts-noto-cjk, installed by setup.sh).
FONT_CANDIDATES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
)


@cache
def font_path() -> str | None:
    """A font with Korean glyphs: the known Noto path, else what fontconfig finds."""
    for candidate in FONT_CANDIDATES:
        if candidate.is_file():
            return str(candidate)
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "sans:lang=ko"], capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
    except OSError:
        return None
    return found or None


class Theme:
    def __init__(self, size: tuple[int, int]) -> None:
        self.width, self.height = size
        self.scale = self.height / BASE_HEIGHT
        self._fonts: dict[int, pygame.font.Font] = {}

    def px(self, value: float) -> int:
        return max(1, round(value * self.scale))

    def font(self, size: float) -> pygame.font.Font:
        pixels = self.px(size)
        if pixels not in self._fonts:
            self._fonts[pixels] = pygame.font.Font(font_path(), pixels)
        return self._fonts[pixels]

    @property
    def target(self) -> int:
        return self.px(MIN_TARGET)
