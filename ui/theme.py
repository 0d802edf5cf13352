"""Colours, type and sizes: high contrast, readable at a metre, touch targets
of at least 10 mm on every supported screen.

Sizes are given for the official 800x480 7" display (about 6.5 px per mm)
and scaled with the screen's height, so a 1920x1080 HDMI screen gets the same
layout, larger.
"""

from __future__ import annotations

import subprocess
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import cache
from pathlib import Path
from typing import TypeVar

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


# Rendered text kept for reuse: the screens redraw the same words 30 times a
# second, and laying out and rendering a line with FreeType is the costliest
# part of a frame after the camera image. A few hundred entries cover every
# label, score and instruction shown.
TEXT_CACHE_SIZE = 512

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _remember(cache: OrderedDict[K, V], key: K, make: Callable[[], V]) -> V:
    """cache[key], made on first use; the least recently used entry goes
    once there are more than TEXT_CACHE_SIZE."""
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
        return found
    made = cache[key] = make()
    if len(cache) > TEXT_CACHE_SIZE:
        cache.popitem(last=False)
    return made


class Theme:
    def __init__(self, size: tuple[int, int]) -> None:
        self.width, self.height = size
        self.scale = self.height / BASE_HEIGHT
        self._fonts: dict[int, pygame.font.Font] = {}
        self._texts: OrderedDict[tuple[str, float, Colour, int, int], pygame.Surface] = OrderedDict()
        self._wrapped: OrderedDict[tuple[str, float, int], tuple[str, ...]] = OrderedDict()

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

        def render() -> pygame.Surface:
            for step in range(12):
                image = self.font(size * (0.9**step)).render(text, True, colour)
                if image.get_width() <= width and image.get_height() <= height * 1.2:
                    break
            return image

        return _remember(self._texts, (text, size, colour, width, height), render)

    def forget_text(self) -> None:
        """Drop every rendered line and wrapping (the kiosk benchmark's baseline)."""
        self._texts.clear()
        self._wrapped.clear()

    def wrapped_lines(self, text: str, size: float, width: int) -> tuple[str, ...]:
        """`text` broken into lines no wider than `width` at `size`: by words,
        or by characters for Korean without spaces and for one very long word."""
        return _remember(self._wrapped, (text, size, width), lambda: _wrap(self.font(size), text, width))

    @property
    def target(self) -> int:
        return self.px(MIN_TARGET)


def _wrap(font: pygame.font.Font, text: str, width: int) -> tuple[str, ...]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}".strip()
            if font.size(candidate)[0] <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = word
            while font.size(line)[0] > width and len(line) > 1:  # one very long word
                cut = len(line)
                while cut > 1 and font.size(line[:cut])[0] > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
    return tuple(lines)
