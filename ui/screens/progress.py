"""My progress: a month calendar of daily scores, in the patient's language;
tapping a day lists that day's sessions, each with its exercises, how each
ended and its symmetry."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pygame

from device.store.models import ExerciseRecord, PracticeRecord
from device.store.queries import DaySummary, daily_summaries, session_exercises, sessions_on
from ui import theme
from ui.navigation import Host
from ui.screens.base import Action, Screen
from ui.widgets import Button, fit_text, score_colour


class ProgressScreen(Screen):
    name = "progress"

    def __init__(self, host: Host, month: date | None = None) -> None:
        super().__init__(host)
        self.month = (month or host.calendar.today()).replace(day=1)
        self.days: dict[date, DaySummary] = {}
        self.cells: list[tuple[pygame.Rect, date]] = []
        self.chosen: date | None = None
        self.chosen_sessions: list[PracticeRecord] = []
        self.chosen_exercises: dict[int, list[ExerciseRecord]] = {}
        # The chosen day's sessions come in pages, as many as fit: the page's
        # first session, the first ones of the pages before it, and those drawn.
        self.day_first = 0
        self._pages_before: list[int] = []
        self.day_shown: list[PracticeRecord] = []
        self.weekday_row = pygame.Rect(0, 0, 0, 0)
        self.cell_width = 0

    def enter(self) -> None:
        self._load()
        super().enter()

    def _load(self) -> None:
        patient = self.host.patient
        last = (self.month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        if patient is None or self.host.store_error is not None:
            self.days = {}
        else:
            self.days = {d.day: d for d in daily_summaries(patient, self.month, last)}

    def layout(self) -> None:
        t, w = self.host.theme, self.host.words
        self.buttons = []
        size = t.target
        self.button("previous", pygame.Rect(t.px(16), t.px(8), size, size), "<", self._step(-1))
        self.button("next", pygame.Rect(t.px(16) + size + t.px(8), t.px(8), size, size), ">", self._step(1))
        self.button("back", pygame.Rect(t.width - t.px(196), t.px(8), t.px(180), size), w("progress.back"), self.back)
        column = self._day_column()
        half = (column.width - t.px(8)) // 2
        pager = pygame.Rect(column.left, t.height - size - t.px(8), half, size)
        self.button("day_newer", pager, w("progress.newer"), self._newer)
        self.button("day_older", pager.move(half + t.px(8), 0), w("progress.older"), self._older)
        # The calendar grid on the left two-thirds; the chosen day's sessions on the right.
        top = t.px(8) + size + t.px(8)
        self.weekday_row = pygame.Rect(t.px(16), top, round(t.width * 0.64), t.px(26))
        grid = pygame.Rect(
            t.px(16), self.weekday_row.bottom, self.weekday_row.width, t.height - self.weekday_row.bottom - t.px(8)
        )
        weeks = calendar.Calendar().monthdatescalendar(self.month.year, self.month.month)
        cell_w, cell_h = grid.width // 7, grid.height // len(weeks)
        self.cell_width = cell_w
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
            self.chosen, self.chosen_sessions, self.chosen_exercises = None, [], {}
            self._load()
            self.layout()

        return action

    def on_tap(self, position: tuple[int, int]) -> None:
        for rect, day in self.cells:
            if rect.collidepoint(position):
                self.chosen = day
                patient = self.host.patient
                # Newest first: the session just practised is the one looked for.
                self.chosen_sessions = (
                    sessions_on(patient, day)[::-1] if patient is not None and self.host.store_error is None else []
                )
                self.day_first, self._pages_before, self.day_shown = 0, [], []
                self.chosen_exercises = {r.id: session_exercises(r) for r in self.chosen_sessions}
                return
        super().on_tap(position)

    def draw(self, surface: pygame.Surface) -> None:
        t, w = self.host.theme, self.host.words
        header = pygame.Rect(t.px(180), t.px(8), t.width - t.px(390), t.target)
        fit_text(surface, t, w("progress.title_month", month=w.month_title(self.month)), 32, header)
        for column in range(7):
            cell = pygame.Rect(self.weekday_row.left + column * self.cell_width, self.weekday_row.top,
                               self.cell_width - t.px(4), self.weekday_row.height)  # fmt: skip
            fit_text(surface, t, w.weekday_short(column), 24, cell, colour=theme.MUTED)
        today = self.host.calendar.today()
        for rect, day in self.cells:
            summary = self.days.get(day)
            colour = theme.PANEL if summary is None else score_colour(summary.mean_score)
            pygame.draw.rect(surface, colour, rect, border_radius=t.px(8))
            # The chosen day: a thick light outline; today: a thin one (shape, not colour, tells them apart).
            edge, width = (theme.TEXT, t.px(5)) if day == self.chosen else (theme.TEXT, t.px(2)) if day == today \
                else (theme.EDGE, 1)  # fmt: skip
            pygame.draw.rect(surface, edge, rect, width=width, border_radius=t.px(8))
            ink = theme.BACKGROUND if summary is not None else theme.MUTED
            top_half = pygame.Rect(rect.left + t.px(4), rect.top, rect.width - t.px(8), rect.height // 2)
            fit_text(surface, t, str(day.day), 24, top_half, colour=ink, align="left")
            if summary is not None and summary.mean_score is not None:
                bottom_half = pygame.Rect(rect.left, rect.centery - t.px(4), rect.width, rect.height // 2)
                fit_text(surface, t, f"{summary.mean_score:.0f}", 24, bottom_half, colour=ink)
        if self.chosen is not None:
            self._draw_day(surface, self._day_column(), self.chosen)
        super().draw(surface)

    def _day_column(self) -> pygame.Rect:
        t = self.host.theme
        left = round(t.width * 0.64) + t.px(28)
        return pygame.Rect(left, t.target + t.px(24), t.width - left - t.px(16), t.height)

    def _paged(self) -> bool:
        return len(self.chosen_sessions) > 1

    def _more(self) -> bool:
        return self.day_first + len(self.day_shown) < len(self.chosen_sessions)

    def shown_buttons(self) -> list[Button]:
        """Earlier and later sessions of the chosen day, when there are any."""
        hidden = set()
        if not (self._paged() and self._pages_before):
            hidden.add("day_newer")
        if not (self._paged() and self._more()):
            hidden.add("day_older")
        return [b for b in self.buttons if b.name not in hidden]

    def _older(self) -> None:
        if self._more():
            self._pages_before.append(self.day_first)
            self.day_first += max(1, len(self.day_shown))

    def _newer(self) -> None:
        if self._pages_before:
            self.day_first = self._pages_before.pop()

    def _draw_day(self, surface: pygame.Surface, side: pygame.Rect, day: date) -> None:
        """The chosen day: each session's time, how it ended and its score,
        then its exercises, as far as the screen has room."""
        t, w = self.host.theme, self.host.words
        fit_text(surface, t, w.day_title(day), 24, pygame.Rect(side.left, side.top, side.width, t.px(34)), align="left")
        y, bottom = side.top + t.px(42), t.height - t.px(8)
        if self._paged():
            bottom -= t.target + t.px(8)  # the pager's row
        self.day_shown = []

        def line(text: str, size: float, colour: theme.Colour, indent: int = 0) -> bool:
            """Draw `text`, wrapped to the column (the type stays readable); False when out of room."""
            nonlocal y
            height = t.px(size * 1.3)
            for part in t.wrapped_lines(text, size, side.width - indent):
                if y + height > bottom:
                    return False
                area = pygame.Rect(side.left + indent, y, side.width - indent, height)
                fit_text(surface, t, part, size, area, colour=colour, align="left")
                y += height
            return True

        if not self.chosen_sessions:
            line(w("progress.no_sessions"), 24, theme.MUTED)
        for record in self.chosen_sessions[self.day_first :]:
            score = "--" if record.score is None else f"{record.score:.0f}"
            time = f"{record.started:%H:%M}"
            if not line(w("progress.session", time=time, status=w("status." + record.status), score=score), 24,
                        theme.TEXT):  # fmt: skip
                return
            for done in self.chosen_exercises.get(record.id, []):
                if not line(self._exercise_line(done), 24, theme.MUTED, indent=t.px(12)):
                    return
            self.day_shown.append(record)
            y += t.px(6)

    def _exercise_line(self, done: ExerciseRecord) -> str:
        w = self.host.words
        name, ended = w.exercise(done.exercise), w.outcome(done.outcome)
        if ended and done.reps_done == 0:
            return " · ".join((name, ended))
        parts = [w("progress.exercise", name=name, score=f"{done.score:.0f}")]
        if done.symmetry is not None:
            parts.append(w.balance(done.symmetry))
        if ended:
            parts.append(ended)
        return " · ".join(parts)
