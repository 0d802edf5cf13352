"""Colours, type and sizes: high contrast, readable at a metre, touch targets
of at least 10 mm on every supported screen.

Sizes are given for the official 800x480 7" display (about 6.5 px per mm)
and scaled with the screen's height, so a 1920x1080 HDMI screen gets the same
layout, larger.
"""

from __future__ import annotations

import subprocess
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

import pygame
import pygame.freetype

Colour = tuple[int, int, int]

# Colours, checked by tests/test_kiosk_legibility.py against WCAG 2: text at
# least 4.5:1 on what it is drawn on, the edges of buttons and panels at
# least 3:1 on the background (a fill alone is too close to it to see).
BACKGROUND = (16, 24, 32)
PANEL = (31, 45, 61)
EDGE = (148, 163, 184)  # the outline of every button and panel
TEXT = (245, 247, 250)
MUTED = (190, 200, 212)  # secondary text: still 6:1 on a button
ACCENT = (29, 78, 216)  # the main action's fill: white on it 6.2:1
ACCENT_TEXT = (147, 197, 253)  # the accent as text or a line on the dark background
GOOD = (34, 197, 94)
WARN = (250, 204, 21)
CALM = (147, 197, 253)  # a low score: calm, never red (a low score is not a fault)
BUTTON = (51, 65, 85)
BUTTON_TEXT = TEXT

BASE_HEIGHT = 480
MIN_TARGET = 72  # px at 800x480: 11 mm on the 7" display
# The smallest text a patient reads, in px at 800x480 (about 4.6 mm on the
# 7" display), scaled with the screen like every size.
MIN_TEXT = 24

# Noto Sans CJK has Hangul and Latin (Debian: fonts-noto-cjk, installed by
# setup.sh). Bold: the Regular weight is thin for older eyes at a metre.
FONT_CANDIDATES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
# A .ttc holds one face per region (JP first); Hangul is drawn as Korean
# type designers drew it in the Korean face.
KOREAN_FACE = "KR"


@cache
def font_path() -> str | None:
    """A font with Korean glyphs: the known Noto path, else what fontconfig finds."""
    for candidate in FONT_CANDIDATES:
        if candidate.is_file():
            return str(candidate)
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "sans:lang=ko:weight=bold"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except OSError:
        return None
    return found or None


@cache
def font_index(path: str | None) -> int:
    """The index of the Korean face in a font collection (0 for a single face)."""
    if path is None:
        return 0
    pygame.freetype.init()
    for index in range(16):
        try:
            face = pygame.freetype.Font(path, 12, font_index=index)
        except (OSError, pygame.error):
            break
        if face.name is not None and face.name.split()[-1] == KOREAN_FACE:
            return index
    return 0


def luminance(colour: Colour) -> float:
    """WCAG 2 relative luminance."""

    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Colour, b: Colour) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


class TextFont:
    """One size of the Korean face, with the part of pygame.font.Font's
    interface the kiosk uses (pygame.font cannot pick a face of a collection;
    pygame.freetype can)."""

    def __init__(self, path: str | None, pixels: int) -> None:
        pygame.freetype.init()
        self.pixels = pixels
        self._font = pygame.freetype.Font(path, pixels, font_index=font_index(path))
        self._font.pad = True  # every line as high as the face: lines of one size align
        self._font.antialiased = True

    def render(self, text: str, antialias: bool, colour: Colour) -> pygame.Surface:
        self._font.antialiased = antialias
        return self._font.render(text or " ", colour)[0]

    def size(self, text: str) -> tuple[int, int]:
        rect = self._font.get_rect(text or " ")
        return rect.width, self.get_linesize()

    def get_linesize(self) -> int:
        return int(self._font.get_sized_height(0))  # 0: the font's own size

    def get_height(self) -> int:
        return self.get_linesize()


@dataclass(frozen=True)
class DrawnText:
    """A line drawn while a Theme audits (tests): its size and colours."""

    text: str
    pixels: int
    colour: Colour
    background: Colour


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
        self._fonts: dict[int, TextFont] = {}
        self._texts: OrderedDict[tuple[str, float, Colour, int, int], tuple[pygame.Surface, int]] = OrderedDict()
        self._wrapped: OrderedDict[tuple[str, float, int], tuple[str, ...]] = OrderedDict()
        # Every line drawn, with its size and colours, while a test audits legibility; None otherwise.
        self.audit: list[DrawnText] | None = None

    def px(self, value: float) -> int:
        return max(1, round(value * self.scale))

    def font(self, size: float) -> TextFont:
        """The face at `size` design px, never smaller than MIN_TEXT."""
        pixels = self.px(max(size, MIN_TEXT))
        if pixels not in self._fonts:
            self._fonts[pixels] = TextFont(font_path(), pixels)
        return self._fonts[pixels]

    def fitted(self, text: str, size: float, colour: Colour, width: int, height: int) -> tuple[pygame.Surface, int]:
        """One line of text at `size`, shrunk step by step until it fits
        width x height, but never below MIN_TEXT (a label too long for its
        place is a layout to fix, not text to shrink out of reach); with the
        size it was drawn at, in px. The same request returns the same surface."""

        def render() -> tuple[pygame.Surface, int]:
            step = size
            while True:
                font = self.font(step)
                image = font.render(text, True, colour)
                fits = image.get_width() <= width and image.get_height() <= height * 1.2
                if fits or step <= MIN_TEXT:
                    return image, font.pixels
                step = max(MIN_TEXT, step * 0.9)

        return _remember(self._texts, (text, size, colour, width, height), render)

    def fitted_text(self, text: str, size: float, colour: Colour, width: int, height: int) -> pygame.Surface:
        return self.fitted(text, size, colour, width, height)[0]

    def note(self, surface: pygame.Surface, area: pygame.Rect, text: str, pixels: int, colour: Colour) -> None:
        """While auditing, keep a line about to be drawn over `area` of
        `surface`, with the colour most of that area has (its background)."""
        if self.audit is None:
            return
        clipped = area.clip(surface.get_rect())
        if clipped.width <= 0 or clipped.height <= 0:
            return
        pixels_under = pygame.surfarray.pixels3d(surface.subsurface(clipped))
        counts = Counter(map(tuple, pixels_under.reshape(-1, 3).tolist()))
        del pixels_under  # releases the surface's lock
        r, g, b = counts.most_common(1)[0][0]
        self.audit.append(DrawnText(text, pixels, colour, (r, g, b)))

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


def _wrap(font: TextFont, text: str, width: int) -> tuple[str, ...]:
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
