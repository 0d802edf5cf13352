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
from device.store.models import PracticeRecord, SessionStatus
from device.store.queries import practice_of
from ui import theme
from ui.screens.base import Screen
from ui.widgets import fit_text, score_colour

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
        try:
            query = (
                PracticeRecord.select(PracticeRecord.score)
                .where(
                    practice_of(patient)
                    & (PracticeRecord.id != (session_id or -1))
                    & (PracticeRecord.status == SessionStatus.COMPLETED)
                    & PracticeRecord.score.is_null(False)
                )
                .order_by(PracticeRecord.started.desc())
                .limit(EARLIER_SESSIONS)
            )
            return [float(r.score) for r in query if r.score is not None]
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
        left = pygame.Rect(t.px(24), t.px(80), t.px(250), t.px(150))
        fit_text(surface, t, w("summary.score"), 24, pygame.Rect(left.left, left.top, left.width, t.px(30)),
                 colour=theme.MUTED)  # fmt: skip
        # A stopped session's score is not a verdict: it is shown calmly, never in red.
        colour = theme.MUTED if stopped else score_colour(score)
        fit_text(surface, t, f"{score:.0f}", 100, pygame.Rect(left.left, left.top + t.px(30), left.width, t.px(110)),
                 colour=colour)  # fmt: skip
        chart = pygame.Rect(left.right + t.px(20), t.px(80), t.width - left.right - t.px(44), t.px(170))
        self._draw_chart(surface, chart)
        y = chart.bottom + t.px(10)
        sentence = asymmetry_sentence(self.result, w.language)
        if sentence:
            fit_text(surface, t, sentence, 24, pygame.Rect(t.px(24), y, t.width - t.px(48), t.px(32)),
                     colour=theme.WARN, align="left")  # fmt: skip
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
        fit_text(surface, t, message, 26, footer, colour=colour, align="left")
        super().draw(surface)

    def _draw_exercises(self, surface: pygame.Surface, y: int) -> None:
        """One line per exercise: reps, how it ended, and its eFACE-style
        subscore (movement against the other side, 100 = the same)."""
        t, w = self.kiosk.theme, self.kiosk.words
        bottom = t.height - t.target - t.px(24)
        rows = [e for e in self.result.exercises if e.outcome is not Outcome.NOT_REACHED]
        if not rows:
            return
        fit_text(surface, t, w("summary.grading"), 20, pygame.Rect(t.px(24), y, t.width - t.px(48), t.px(26)),
                 colour=theme.MUTED, align="left")  # fmt: skip
        y += t.px(28)
        line_h = max(t.px(18), min(t.px(30), (bottom - y) // len(rows)))
        for e in rows:
            name = w.exercise(e.exercise_id)
            text = f"{name}: {w('practice.reps', done=len(e.reps), planned=e.reps_planned)}"
            if ended := w.outcome(e.outcome):
                text += f" ({ended})"
            if e.symmetry is not None:
                text += f"  ·  {subscore(e.symmetry):.0f}"
            fit_text(surface, t, text, 22, pygame.Rect(t.px(24), y, t.width - t.px(48), line_h), align="left")
            y += line_h

    def _draw_chart(self, surface: pygame.Surface, area: pygame.Rect) -> None:
        t = self.kiosk.theme
        pygame.draw.rect(surface, theme.PANEL, area, border_radius=t.px(10))
        inner = area.inflate(-t.px(20), -t.px(20))
        for level in (0, 50, 100):
            y = inner.bottom - inner.height * level / 100
            pygame.draw.line(surface, theme.BUTTON, (inner.left, y), (inner.right, y), 1)
        points = [(x, s) for x, s in self.timeline if not math.isnan(s)]
        if len(points) < 2:
            return
        end = max(points[-1][0], 1e-6)
        start = points[0][0]
        span = max(end - start, 1e-6)
        line = [
            (inner.left + inner.width * (x - start) / span, inner.bottom - inner.height * s / 100) for x, s in points
        ]
        pygame.draw.lines(surface, theme.ACCENT, False, line, t.px(3))
