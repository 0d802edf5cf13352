"""Colours, type and sizes: high contrast, readable at a metre, touch targets
of at least 10 mm on every supported screen.

Sizes are given for the official 800x480 7" display (about 6.5 px per mm)
and scaled with the screen's height, so a 1920x1080 HDMI screen gets the same
layout, larger.
"""

from __future__ import annotations

import subprocess
from collections import OrderedDict
from functools import cache
from pathlib import Path

import pygame

Colour = tuple[int, int, int]

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


# Rendered labels kept for reuse: the screens redraw the same words 30 times a
# second, and rendering a line with FreeType is the costliest part of a frame
# after the camera image. A few hundred covers every label and score shown.
TEXT_CACHE_SIZE = 512


class Theme:
    def __init__(self, size: tuple[int, int]) -> None:
        self.width, self.height = size
        self.scale = self.height / BASE_HEIGHT
        self._fonts: dict[int, pygame.font.Font] = {}
        self._texts: OrderedDict[tuple[str, float, Colour, int, int], pygame.Surface] = OrderedDict()

    def px(self, value: float) -> int:
        return max(1, round(value * self.scale))

    def font(self, size: float) -> pygame.font.Font:
        pixels = self.px(size)
        if pixels not in self._fonts:
            self._fonts[pixels] = pygame.font.Font(font_path(), pixels)
        return self._fonts[pixels]

    def fitted_text(self, text: str, size: float, colour: Colour, width: int, height: int) -> pygame.Surface:
        """One line of text at `size`, shrunk step by step (down to 0.9**11
        of it) until it fits width x height; the same request returns the
        same surface."""
        key = (text, size, colour, width, height)
        cached = self._texts.get(key)
        if cached is not None:
            self._texts.move_to_end(key)
            return cached
        for step in range(12):
            image = self.font(size * (0.9**step)).render(text, True, colour)
            if image.get_width() <= width and image.get_height() <= height * 1.2:
                break
        self._texts[key] = image
        if len(self._texts) > TEXT_CACHE_SIZE:
            self._texts.popitem(last=False)
        return image

    @property
    def target(self) -> int:
        return self.px(MIN_TARGET)
