"""Summary: the session score, the score over the session, per-side symmetry,
and a short encouraging sentence from the comparison with earlier sessions."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import pygame

from device.practice.feedback import asymmetry_sentence
from device.practice.grading import subscore
from device.practice.recording import SessionEnd
from device.practice.session import ExerciseOutcome, ExerciseResult, SessionResult
from device.progress import encouragement_key
from device.store.queries import earlier_scores
from ui import theme
from ui.navigation import Host
from ui.screens.base import Screen
from ui.widgets import Button, fit_text, panel, row_of_buttons, score_colour, wrap_text

log = logging.getLogger(__name__)
EARLIER_SESSIONS = 5
SCORE_COLUMN = 200  # px at 800x480: the session score over its chart, left of the table
SENTENCE_HEIGHT = 40  # the asymmetry sentence's line under the title
LINE_HEIGHT = 36  # a table line: 24 px type (theme.MIN_TEXT) with its line spacing


class SummaryScreen(Screen):
    name = "summary"

    def __init__(
        self,
        host: Host,
        result: SessionResult,
        timeline: list[tuple[float, float]],
        *,
        saved: Callable[[], bool],
        session_id: int | None,
        end: str = SessionEnd.COMPLETED,
        counted: bool = True,
    ) -> None:
        super().__init__(host)
        self.result, self.timeline, self.saved, self.end = result, timeline, saved, end
        self.counted = counted  # False on the demo or a replay: kept apart from the patient's progress
        self.earlier = self._earlier_scores(session_id)
        self.first_row = 0  # the table's page: the index of its first exercise
        self.rows_shown: list[ExerciseResult] = []

    def _earlier_scores(self, session_id: int | None) -> list[float]:
        patient = self.host.patient
        if patient is None or self.host.store_error is not None:
            return []
        try:  # the sessions every mean counts (store/queries.py), as the dashboard's
            return earlier_scores(patient, session_id, EARLIER_SESSIONS)
        except Exception as exc:  # the sentence is a nicety; the summary shows regardless
            log.warning("earlier sessions unavailable: %s", exc)
            return []

    def layout(self) -> None:
        t, w = self.host.theme, self.host.words
        self.buttons = []
        self.button("done", pygame.Rect(t.width - t.px(244), t.height - t.target - t.px(16), t.px(220), t.target),
                    w("summary.done"), self.back, theme.ACCENT)  # fmt: skip
        table = self._table_area()
        pager = pygame.Rect(table.left, table.bottom - t.target, table.width, t.target)
        earlier, later = row_of_buttons(pager, 2, t.px(16))
        self.button("rows_earlier", earlier, w("summary.rows_earlier"), self._earlier_rows)
        self.button("rows_later", later, w("summary.rows_later"), self._later_rows)

    def _table_area(self) -> pygame.Rect:
        """The exercises' table: right of the score and its chart, above the footer."""
        t = self.host.theme
        left = t.px(24) + t.px(SCORE_COLUMN) + t.px(24)
        top = t.px(72) + t.px(SENTENCE_HEIGHT)
        return pygame.Rect(left, top, t.width - left - t.px(24), t.height - t.target - t.px(28) - top)

    def _rows(self) -> list[ExerciseResult]:
        return [e for e in self.result.exercises if e.outcome is not ExerciseOutcome.NOT_REACHED]

    def _rows_per_page(self) -> int:
        """Every exercise on one page when they fit (the default plan's six
        do at 800x480); else pages, with the pager's row under the table."""
        t = self.host.theme
        area = self._table_area()
        line = t.px(LINE_HEIGHT)
        fitting = area.height // line - 1  # the headings' line
        if len(self._rows()) <= fitting:
            return max(1, fitting)
        return max(1, (area.height - t.target - t.px(8)) // line - 1)

    def _paged(self) -> bool:
        return len(self._rows()) > self._rows_per_page()

    def shown_buttons(self) -> list[Button]:
        names = {"done"}
        if self._paged():
            if self.first_row > 0:
                names.add("rows_earlier")
            if self.first_row + self._rows_per_page() < len(self._rows()):
                names.add("rows_later")
        return [b for b in self.buttons if b.name in names]

    def _later_rows(self) -> None:
        if self.first_row + self._rows_per_page() < len(self._rows()):
            self.first_row += self._rows_per_page()

    def _earlier_rows(self) -> None:
        self.first_row = max(0, self.first_row - self._rows_per_page())

    def draw(self, surface: pygame.Surface) -> None:
        t, w = self.host.theme, self.host.words
        completed = self.end == SessionEnd.COMPLETED
        if completed:
            # Praise what was done: a plan whose every exercise ran out of time ends plainly.
            title = "summary.title" if self.result.any_rep_done else "summary.title_ended"
        else:
            title = "summary.title_stopped" if self.end == SessionEnd.STOPPED else "summary.title_failed"
        self.title(surface, w(title))
        score = self.result.score
        sentence = asymmetry_sentence(self.result, w.language)
        if sentence:
            fit_text(surface, t, sentence, 26, pygame.Rect(t.px(24), t.px(72), t.width - t.px(48), t.px(34)),
                     colour=theme.TEXT, align="left")  # fmt: skip
        left = pygame.Rect(t.px(24), self._table_area().top, t.px(SCORE_COLUMN), t.px(112))
        fit_text(surface, t, w("summary.score"), 24, pygame.Rect(left.left, left.top, left.width, t.px(30)),
                 colour=theme.MUTED)  # fmt: skip
        # Coloured as the calendar colours a day: only a finished session's score
        # is a level; a stopped one's is shown calmly (score_colour(None)).
        colour = score_colour(score if completed else None)
        fit_text(surface, t, f"{score:.0f}", 80, pygame.Rect(left.left, left.top + t.px(30), left.width, t.px(82)),
                 colour=colour)  # fmt: skip
        chart_bottom = t.height - t.target - t.px(28)
        chart = pygame.Rect(left.left, left.bottom + t.px(8), left.width, chart_bottom - left.bottom - t.px(8))
        self._draw_chart(surface, chart)
        self._draw_exercises(surface, self._table_area())
        if not self.saved():
            message, colour = w("summary.not_saved"), theme.WARN
        elif not self.counted:
            message, colour = w("summary.not_counted"), theme.MUTED
        elif not completed:
            message, colour = w("summary.stopped"), theme.TEXT
        elif not self.result.any_rep_done:
            message, colour = w("summary.no_reps"), theme.TEXT
        else:
            message, colour = w(encouragement_key(score, self.earlier)), theme.GOOD
        footer = pygame.Rect(t.px(24), t.height - t.target - t.px(16), t.width - t.px(300), t.target)
        wrap_text(surface, t, message, 26, footer, colour=colour)
        super().draw(surface)

    def _draw_exercises(self, surface: pygame.Surface, area: pygame.Rect) -> None:
        """A table of the exercises, one line each: its name, what was done
        (the reps, or how it ended when no rep was) and its left-right balance
        (the eFACE-style subscore: 100 = both sides moved alike). Pages when
        a long plan does not fit."""
        t, w = self.host.theme, self.host.words
        rows = self._rows()
        if not rows:
            return
        line = t.px(LINE_HEIGHT)
        headings = ("summary.column_exercise", "summary.column_reps", "summary.column_balance")
        for cell, key in zip(self._cells(pygame.Rect(area.left, area.top, area.width, line)), headings, strict=True):
            fit_text(surface, t, w(key), 24, cell, colour=theme.MUTED, align="left")
        self.rows_shown = rows[self.first_row : self.first_row + self._rows_per_page()]
        for row, e in enumerate(self.rows_shown):
            name, done, balance = self._cells(pygame.Rect(area.left, area.top + (row + 1) * line, area.width, line))
            fit_text(surface, t, w.exercise(e.exercise_id), 24, name, align="left")
            fit_text(surface, t, self.done_text(e), 24, done, align="left")
            if e.symmetry is not None:
                fit_text(surface, t, f"{subscore(e.symmetry):.0f}", 24, balance, align="left")

    def done_text(self, e: ExerciseResult) -> str:
        """The reps done whenever there were any ("1/3번": what the patient did,
        never "not done"); how it ended only when none were."""
        w = self.host.words
        if e.reps or e.outcome is ExerciseOutcome.COMPLETED:
            return w("summary.reps", done=len(e.reps), planned=e.reps_planned)
        return w.outcome(e.outcome)

    def _cells(self, row: pygame.Rect) -> tuple[pygame.Rect, pygame.Rect, pygame.Rect]:
        """A table row's three cells, sized for the longest name and outcome in either language."""
        gap = self.host.theme.px(8)
        name, done = round(row.width * 0.44), round(row.width * 0.34)
        return (
            pygame.Rect(row.left, row.top, name - gap, row.height),
            pygame.Rect(row.left + name, row.top, done - gap, row.height),
            pygame.Rect(row.left + name + done, row.top, row.width - name - done, row.height),
        )

    def _draw_chart(self, surface: pygame.Surface, area: pygame.Rect) -> None:
        t = self.host.theme
        panel(surface, area, t, radius=10)
        inner = area.inflate(-t.px(20), -t.px(20))
        for level in (0, 50, 100):
            y = inner.bottom - inner.height * level / 100
            pygame.draw.line(surface, theme.EDGE, (inner.left, y), (inner.right, y), 1)
        points = [(x, s) for x, s in self.timeline if not math.isnan(s)]
        if len(points) < 2:
            return
        end = max(points[-1][0], 1e-6)
        start = points[0][0]
        span = max(end - start, 1e-6)
        line = [
            (inner.left + inner.width * (x - start) / span, inner.bottom - inner.height * s / 100) for x, s in points
        ]
        pygame.draw.lines(surface, theme.ACCENT_TEXT, False, line, t.px(3))
