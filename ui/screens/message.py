"""A plain message in the patient's language with what to do; the safe
fallback for any error (the details go to the log, never to the screen)."""

from __future__ import annotations

import pygame

from ui import theme
from ui.navigation import Host, Intent
from ui.screens.base import Screen
from ui.widgets import fit_text, row_of_buttons, wrap_text

AUTO_RETRY_S = 3.0


class MessageScreen(Screen):
    name = "message"

    def __init__(
        self,
        host: Host,
        title_key: str,
        help_key: str,
        retry: Intent | None = None,
        *,
        auto_retry: bool = False,
    ) -> None:
        super().__init__(host)
        self.title_key, self.help_key = title_key, help_key
        self.retry = retry
        self.auto_retry = auto_retry
        # Retrying by itself (the camera): the screen is not waiting for a
        # touch, so the idle timeout does not send it home.
        self.keeps_awake = auto_retry
        self._since = host.now()

    def layout(self) -> None:
        t, w = self.host.theme, self.host.words
        self.buttons = []
        area = pygame.Rect(t.px(40), t.height - t.target - t.px(30), t.width - t.px(80), t.target)
        labels = [("retry", w("message.retry"), self._retry)] if self.retry else []
        labels.append(("home", w("message.home"), self.back))
        for rect, (name, label, action) in zip(row_of_buttons(area, len(labels), t.px(24)), labels, strict=True):
            self.button(name, rect, label, action, theme.ACCENT if name == "retry" else theme.BUTTON)

    def _retry(self) -> None:
        if self.retry is not None:
            self.host.go(self.retry)

    def update(self, now: float) -> None:
        super().update(now)
        if self.auto_retry and self.retry is not None and now - self._since >= AUTO_RETRY_S:
            self._since = now
            self.host.go(self.retry)  # recovers by itself when the cause goes away

    def draw(self, surface: pygame.Surface) -> None:
        t, w = self.host.theme, self.host.words
        fit_text(
            surface,
            t,
            w(self.title_key),
            44,
            pygame.Rect(t.px(30), t.px(70), t.width - t.px(60), t.px(70)),
            colour=theme.WARN,
        )
        wrap_text(
            surface,
            t,
            w(self.help_key),
            28,
            pygame.Rect(t.px(60), t.px(170), t.width - t.px(120), t.px(160)),
            colour=theme.TEXT,
        )
        super().draw(surface)
