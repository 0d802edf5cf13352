"""Drawing helpers and the touch button."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pygame

from ui import theme
from ui.theme import Colour, Theme


def fit_text(
    surface: pygame.Surface,
    t: Theme,
    text: str,
    size: float,
    rect: pygame.Rect,
    *,
    colour: Colour = theme.TEXT,
    align: str = "center",
) -> pygame.Rect:
    """Draw one line inside `rect`, shrinking the type until it fits (never overflowing)."""
    image, pixels = t.fitted(text, size, colour, rect.width, rect.height)
    placed = image.get_rect()
    placed.centery = rect.centery
    if align == "left":
        placed.left = rect.left
    elif align == "right":
        placed.right = rect.right
    else:
        placed.centerx = rect.centerx
    t.note(surface, placed, text, pixels, colour)
    surface.blit(image, placed)
    return placed


def wrap_text(
    surface: pygame.Surface, t: Theme, text: str, size: float, rect: pygame.Rect, *, colour: Colour = theme.TEXT
) -> None:
    """Draw text wrapped to `rect`'s width (by words, or by characters for
    Korean without spaces), shrinking the type until every line fits, down
    to theme.MIN_TEXT: an instruction is never cut mid-sentence."""
    lines = t.wrapped_lines(text, size, rect.width)
    while size > theme.MIN_TEXT and len(lines) * t.font(size).get_linesize() > rect.height:
        size = max(theme.MIN_TEXT, size * 0.9)
        lines = t.wrapped_lines(text, size, rect.width)
    line_height = t.font(size).get_linesize()
    y = rect.top
    for line in lines:
        image, pixels = t.fitted(line, size, colour, rect.width, line_height)
        placed = image.get_rect(midtop=(rect.centerx, y))
        t.note(surface, placed, line, pixels, colour)
        surface.blit(image, placed)
        y += line_height


@dataclass
class Button:
    rect: pygame.Rect
    label: str
    action: Callable[[], None]
    colour: Colour = theme.BUTTON
    name: str = ""  # stable identifier for tests and logs
    chosen: bool = False  # the current choice: a thick light outline (its label carries a check mark)

    def draw(self, surface: pygame.Surface, t: Theme) -> None:
        pygame.draw.rect(surface, self.colour, self.rect, border_radius=t.px(14))
        # The edge, not the fill, sets a button off from the background (WCAG 3:1).
        edge, width = (theme.TEXT, t.px(5)) if self.chosen else (theme.EDGE, t.px(2))
        pygame.draw.rect(surface, edge, self.rect, width=width, border_radius=t.px(14))
        fit_text(surface, t, self.label, 30, self.rect.inflate(-t.px(24), -t.px(12)), colour=theme.BUTTON_TEXT)

    def hit(self, position: tuple[int, int]) -> bool:
        return self.rect.collidepoint(position)


def bar(surface: pygame.Surface, rect: pygame.Rect, fraction: float | None, t: Theme, *, colour: Colour) -> None:
    """A filled bar, 0..1 (None: an empty, dimmed bar), outlined so its full length shows."""
    pygame.draw.rect(surface, theme.PANEL, rect, border_radius=t.px(10))
    if fraction is not None:
        fraction = max(0.0, min(1.0, fraction))
        filled = pygame.Rect(rect.left, rect.top, round(rect.width * fraction), rect.height)
        if filled.width > 0 and filled.height > 0:
            pygame.draw.rect(surface, colour, filled, border_radius=t.px(10))
    pygame.draw.rect(surface, theme.EDGE, rect, width=max(1, t.px(1)), border_radius=t.px(10))


def ring(surface: pygame.Surface, rect: pygame.Rect, fraction: float, t: Theme, *, colour: Colour) -> None:
    """A ring inside `rect` filled clockwise from the top for `fraction`
    (0..1) of its dimmed full track: time left that empties as it runs."""
    fraction = max(0.0, min(1.0, fraction))
    cx, cy = rect.center
    outer = min(rect.width, rect.height) / 2
    thick = max(2, t.px(8))
    pygame.draw.circle(surface, theme.PANEL, (cx, cy), outer, thick)
    if fraction <= 0:
        return
    steps = max(2, math.ceil(90 * fraction))  # a point every 4 degrees: smooth at any size the kiosk draws
    angles = [-math.pi / 2 + 2 * math.pi * fraction * i / steps for i in range(steps + 1)]
    rim = [(cx + outer * math.cos(a), cy + outer * math.sin(a)) for a in angles]
    hole = [(cx + (outer - thick) * math.cos(a), cy + (outer - thick) * math.sin(a)) for a in reversed(angles)]
    pygame.draw.polygon(surface, colour, rim + hole)


def panel(surface: pygame.Surface, rect: pygame.Rect, t: Theme, *, radius: float = 12) -> None:
    """A panel: its fill, and the edge that sets it off from the background (WCAG 3:1)."""
    pygame.draw.rect(surface, theme.PANEL, rect, border_radius=t.px(radius))
    pygame.draw.rect(surface, theme.EDGE, rect, width=max(1, t.px(2)), border_radius=t.px(radius))


def score_colour(score: float | None) -> Colour:
    """A score's colour: green when high, amber in the middle, a calm blue
    when low (never red: a low score is where practice starts, not a fault).
    The number is always written too: colour only adds to it."""
    if score is None:
        return theme.MUTED
    if score >= 70:
        return theme.GOOD
    if score >= 40:
        return theme.WARN
    return theme.CALM


def row_of_buttons(area: pygame.Rect, count: int, gap: int) -> list[pygame.Rect]:
    width = (area.width - gap * (count - 1)) // count
    return [pygame.Rect(area.left + i * (width + gap), area.top, width, area.height) for i in range(count)]


def column_of_buttons(area: pygame.Rect, count: int, gap: int) -> list[pygame.Rect]:
    height = (area.height - gap * (count - 1)) // max(1, count)
    return [pygame.Rect(area.left, area.top + i * (height + gap), area.width, height) for i in range(count)]
