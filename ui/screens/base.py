"""What every screen has: buttons laid out for the current screen size, taps,
long presses, number keys for the buttons, and Escape for back."""

from __future__ import annotations

from collections.abc import Callable

import pygame

from ui import theme
from ui.navigation import Host, OpenHome
from ui.widgets import Button, fit_text

LONG_PRESS_S = 1.5
Action = Callable[[], None]  # what a button does


class Screen:
    name = "screen"
    keeps_awake = False  # True: the idle timeout does not send this screen home

    def __init__(self, host: Host) -> None:
        self.host = host
        self.buttons: list[Button] = []
        self._press: tuple[float, tuple[int, int]] | None = None

    # -- lifecycle -------------------------------------------------------------

    def enter(self) -> None:
        self.layout()

    def exit(self) -> None:
        """Release what enter() took (cameras, sessions)."""

    def leave(self, end: str) -> None:
        """The kiosk leaves this screen not by the patient's choice but for
        `end` (a SessionEnd: an error, the kiosk closing). A screen with a
        session stores it with that status; the rest just exit()."""
        self.exit()

    def layout(self) -> None:
        """Build self.buttons for the current size and language."""

    def update(self, now: float) -> None:
        if self._press is not None and now - self._press[0] >= LONG_PRESS_S:
            position = self._press[1]
            self._press = None
            self.on_long_press(position)

    def shown_buttons(self) -> list[Button]:
        """The buttons that mean something now: drawn, and the only ones a tap reaches."""
        return self.buttons

    def draw(self, surface: pygame.Surface) -> None:
        for button in self.shown_buttons():
            button.draw(surface, self.host.theme)

    # -- input -----------------------------------------------------------------

    def press(self, position: tuple[int, int], now: float) -> None:
        self._press = (now, position)

    def release(self, position: tuple[int, int], now: float) -> None:
        if self._press is None:
            return  # the long press already fired
        self._press = None
        self.on_tap(position)

    def on_tap(self, position: tuple[int, int]) -> None:
        for button in self.shown_buttons():
            if button.hit(position):
                button.action()
                return

    def on_long_press(self, position: tuple[int, int]) -> None:
        self.on_tap(position)

    def on_key(self, key: int) -> None:
        if pygame.K_1 <= key <= pygame.K_9 and key - pygame.K_1 < len(self.buttons):
            self.buttons[key - pygame.K_1].action()
        elif key == pygame.K_ESCAPE:
            self.back()

    def back(self) -> None:
        self.host.go(OpenHome())

    # -- helpers ---------------------------------------------------------------

    def title(self, surface: pygame.Surface, text: str) -> None:
        t = self.host.theme
        fit_text(surface, t, text, 40, pygame.Rect(t.px(24), t.px(12), t.width - t.px(48), t.px(60)))

    def button(
        self,
        name: str,
        rect: pygame.Rect,
        label: str,
        action: Action,
        colour: tuple[int, int, int] = theme.BUTTON,
        *,
        chosen: bool = False,
    ) -> Button:
        made = Button(rect, label, action, colour, name, chosen)
        self.buttons.append(made)
        return made
