"""My progress: a month calendar of daily scores; tapping a day lists that day's sessions."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pygame

from device.store.models import PracticeRecord
from device.store.queries import DaySummary, daily_summaries, sessions_on
from ui import theme
from ui.screens.base import Action, Screen
from ui.widgets import fit_text, score_colour

if TYPE_CHECKING:
    from ui.app import Kiosk


class ProgressScreen(Screen):
    name = "progress"

    def __init__(self, kiosk: Kiosk, month: date | None = None) -> None:
        super().__init__(kiosk)
        self.month = (month or date.today()).replace(day=1)
        self.days: dict[date, DaySummary] = {}
        self.cells: list[tuple[pygame.Rect, date]] = []
        self.chosen: date | None = None
        self.chosen_sessions: list[PracticeRecord] = []

    def enter(self) -> None:
        self._load()
        super().enter()

    def _load(self) -> None:
        patient = self.kiosk.patient
        last = (self.month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        if patient is None or self.kiosk.store_error is not None:
            self.days = {}
        else:
            self.days = {d.day: d for d in daily_summaries(patient, self.month, last)}

    def layout(self) -> None:
        t, w = self.kiosk.theme, self.kiosk.words
        self.buttons = []
        size = t.target
        self.button("previous", pygame.Rect(t.px(16), t.px(8), size, size), "<", self._step(-1))
        self.button("next", pygame.Rect(t.px(16) + size + t.px(8), t.px(8), size, size), ">", self._step(1))
        self.button("back", pygame.Rect(t.width - t.px(196), t.px(8), t.px(180), size), w("progress.back"), self.back)
        # The calendar grid on the left two-thirds; the chosen day's sessions on the right.
        grid = pygame.Rect(t.px(16), t.px(8) + size + t.px(8), round(t.width * 0.64), t.height - size - t.px(24))
        weeks = calendar.Calendar().monthdatescalendar(self.month.year, self.month.month)
        cell_w, cell_h = grid.width // 7, grid.height // len(weeks)
        self.cells = [
            (pygame.Rect(grid.left + col * cell_w, grid.top + row * cell_h, cell_w - t.px(4), cell_h - t.px(4)), day)
            for row, week in enumerate(weeks)
            for col, day in enumerate(week)
            if day.month == self.month.month
        ]

    def _step(self, months: int) -> Action:
        def action() -> None:
            target = self.month + timedelta(days=32) if months > 0 else self.month - timedelta(days=1)
            self.month = target.replace(day=1)
            self.chosen, self.chosen_sessions = None, []
            self._load()
            self.layout()

        return action

    def on_tap(self, position: tuple[int, int]) -> None:
        for rect, day in self.cells:
            if rect.collidepoint(position):
                self.chosen = day
                patient = self.kiosk.patient
                self.chosen_sessions = (
                    sessions_on(patient, day) if patient is not None and self.kiosk.store_error is None else []
                )
                return
        super().on_tap(position)

    def draw(self, surface: pygame.Surface) -> None:
        t, w = self.kiosk.theme, self.kiosk.words
        header = pygame.Rect(t.px(180), t.px(8), t.width - t.px(390), t.target)
        fit_text(surface, t, f"{w('progress.title')} · {self.month:%Y-%m}", 32, header)
        today = date.today()
        for rect, day in self.cells:
            summary = self.days.get(day)
            colour = theme.PANEL if summary is None else score_colour(summary.mean_score)
            pygame.draw.rect(surface, colour, rect, border_radius=t.px(8))
            if day in {today, self.chosen}:
                pygame.draw.rect(
                    surface,
                    theme.ACCENT if day == self.chosen else theme.TEXT,
                    rect,
                    width=t.px(3),
                    border_radius=t.px(8),
                )
            ink = theme.BACKGROUND if summary is not None else theme.MUTED
            top_half = pygame.Rect(rect.left + t.px(4), rect.top, rect.width - t.px(8), rect.height // 2)
            fit_text(surface, t, str(day.day), 16, top_half, colour=ink, align="left")
            if summary is not None and summary.mean_score is not None:
                bottom_half = pygame.Rect(rect.left, rect.centery - t.px(4), rect.width, rect.height // 2)
                fit_text(surface, t, f"{summary.mean_score:.0f}", 24, bottom_half, colour=ink)
        side = pygame.Rect(
            round(t.width * 0.64) + t.px(28), t.target + t.px(24), t.width - round(t.width * 0.64) - t.px(44), t.height
        )
        if self.chosen is not None:
            fit_text(
                surface,
                t,
                self.chosen.strftime("%Y-%m-%d"),
                26,
                pygame.Rect(side.left, side.top, side.width, t.px(36)),
                align="left",
            )
            y = side.top + t.px(44)
            if not self.chosen_sessions:
                fit_text(
                    surface,
                    t,
                    w("progress.no_sessions"),
                    20,
                    pygame.Rect(side.left, y, side.width, t.px(30)),
                    colour=theme.MUTED,
                    align="left",
                )
            for record in self.chosen_sessions[:6]:
                score = "--" if record.score is None else f"{record.score:.0f}"
                line = f"{record.started:%H:%M}   {score}"
                fit_text(
                    surface,
                    t,
                    line,
                    24,
                    pygame.Rect(side.left, y, side.width, t.px(32)),
                    colour=score_colour(record.score),
                    align="left",
                )
                y += t.px(36)
        super().draw(surface)
