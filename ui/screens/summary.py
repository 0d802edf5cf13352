"""Summary: the session score, the score over the session, per-side symmetry,
and a short encouraging sentence from the comparison with earlier sessions."""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Callable
from typing import TYPE_CHECKING

import pygame

from device.practice.feedback import asymmetry_sentence
from device.practice.grading import subscore
from device.practice.recording import SessionEnd
from device.practice.session import Outcome, SessionResult
from device.store.queries import earlier_scores
from ui import theme
from ui.screens.base import Screen
from ui.widgets import fit_text, panel, score_colour, wrap_text

if TYPE_CHECKING:
    from ui.app import Kiosk

log = logging.getLogger(__name__)
EARLIER_SESSIONS = 5
SAME_BAND = 5.0  # points either side of the earlier mean that count as "as steady"


def encouragement_key(score: float, earlier: list[float]) -> str:
    if not earlier:
        return "summary.first"
    mean = statistics.fmean(earlier)
    if score > mean + SAME_BAND:
        return "summary.better"
    if score >= mean - SAME_BAND:
        return "summary.same"
    return "summary.worse"


class SummaryScreen(Screen):
    name = "summary"

    def __init__(
        self,
        kiosk: Kiosk,
        result: SessionResult,
        timeline: list[tuple[float, float]],
        *,
        saved: Callable[[], bool],
        session_id: int | None,
        end: str = SessionEnd.COMPLETED,
        counted: bool = True,
    ) -> None:
        super().__init__(kiosk)
        self.result, self.timeline, self.saved, self.end = result, timeline, saved, end
        self.counted = counted  # False on the demo or a replay: kept apart from the patient's progress
        self.earlier = self._earlier_scores(session_id)

    def _earlier_scores(self, session_id: int | None) -> list[float]:
        patient = self.kiosk.patient
        if patient is None or self.kiosk.store_error is not None:
            return []
        try:  # the sessions every mean counts (store/queries.py), as the dashboard's
            return earlier_scores(patient, session_id, EARLIER_SESSIONS)
        except Exception as exc:  # the sentence is a nicety; the summary shows regardless
            log.warning("earlier sessions unavailable: %s", exc)
            return []

    def layout(self) -> None:
        t, w = self.kiosk.theme, self.kiosk.words
        self.buttons = []
        self.button("done", pygame.Rect(t.width - t.px(244), t.height - t.target - t.px(16), t.px(220), t.target),
                    w("summary.done"), self.back, theme.ACCENT)  # fmt: skip

    def draw(self, surface: pygame.Surface) -> None:
        t, w = self.kiosk.theme, self.kiosk.words
        stopped = self.end != SessionEnd.COMPLETED
        title = {SessionEnd.COMPLETED: "summary.title", SessionEnd.STOPPED: "summary.title_stopped"}
        self.title(surface, w(title.get(self.end, "summary.title_failed")))
        score = self.result.score
        left = pygame.Rect(t.px(24), t.px(72), t.px(200), t.px(112))
        fit_text(surface, t, w("summary.score"), 24, pygame.Rect(left.left, left.top, left.width, t.px(30)),
                 colour=theme.MUTED)  # fmt: skip
        # A stopped session's score is not a verdict: it is shown calmly.
        colour = theme.MUTED if stopped else score_colour(score)
        fit_text(surface, t, f"{score:.0f}", 80, pygame.Rect(left.left, left.top + t.px(30), left.width, t.px(82)),
                 colour=colour)  # fmt: skip
        chart = pygame.Rect(left.right + t.px(20), t.px(76), t.width - left.right - t.px(44), t.px(108))
        self._draw_chart(surface, chart)
        y = chart.bottom + t.px(6)
        sentence = asymmetry_sentence(self.result, w.language)
        if sentence:
            fit_text(surface, t, sentence, 26, pygame.Rect(t.px(24), y, t.width - t.px(48), t.px(34)),
                     colour=theme.TEXT, align="left")  # fmt: skip
            y += t.px(36)
        self._draw_exercises(surface, y)
        if not self.saved():
            message, colour = w("summary.not_saved"), theme.WARN
        elif not self.counted:
            message, colour = w("summary.not_counted"), theme.MUTED
        elif stopped:
            message, colour = w("summary.stopped"), theme.TEXT
        else:
            message, colour = w(encouragement_key(score, self.earlier)), theme.GOOD
        footer = pygame.Rect(t.px(24), t.height - t.target - t.px(16), t.width - t.px(300), t.target)
        wrap_text(surface, t, message, 26, footer, colour=colour)
        super().draw(surface)

    def _draw_exercises(self, surface: pygame.Surface, y: int) -> None:
        """A table of the exercises, in two columns: each one's name, the
        reps done (or how it ended) and its left-right balance (the
        eFACE-style subscore: 100 = both sides moved alike)."""
        t, w = self.kiosk.theme, self.kiosk.words
        bottom = t.height - t.target - t.px(20)
        rows = [e for e in self.result.exercises if e.outcome is not Outcome.NOT_REACHED]
        if not rows:
            return
        columns = 2 if len(rows) > 3 else 1
        gap = t.px(24)
        width = (t.width - t.px(48) - gap * (columns - 1)) // columns
        per_column = -(-len(rows) // columns)
        line_h = max(t.px(30), min(t.px(34), (bottom - y) // (per_column + 1)))
        for column in range(columns):
            x = t.px(24) + column * (width + gap)
            cells = self._cells(pygame.Rect(x, y, width, line_h))
            headings = ("summary.column_exercise", "summary.column_reps", "balance.label")
            for cell, key in zip(cells, headings, strict=True):
                fit_text(surface, t, w(key), 24, cell, colour=theme.MUTED, align="left")
            for row, e in enumerate(rows[column * per_column : (column + 1) * per_column]):
                name, reps, balance = self._cells(pygame.Rect(x, y + (row + 1) * line_h, width, line_h))
                fit_text(surface, t, w.exercise(e.exercise_id), 24, name, align="left")
                done = w.outcome(e.outcome) or w("summary.reps", done=len(e.reps), planned=e.reps_planned)
                fit_text(surface, t, done, 24, reps, align="left")
                if e.symmetry is not None:
                    fit_text(surface, t, f"{subscore(e.symmetry):.0f}", 24, balance, align="left")

    def _cells(self, row: pygame.Rect) -> tuple[pygame.Rect, pygame.Rect, pygame.Rect]:
        """A table row's three cells: the name gets half, reps and balance a quarter each."""
        half, quarter = row.width // 2, row.width // 4
        return (
            pygame.Rect(row.left, row.top, half - 8, row.height),
            pygame.Rect(row.left + half, row.top, quarter - 8, row.height),
            pygame.Rect(row.left + half + quarter, row.top, quarter, row.height),
        )

    def _draw_chart(self, surface: pygame.Surface, area: pygame.Rect) -> None:
        t = self.kiosk.theme
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
