"""Calibration and practice: the mirrored camera with the fit drawn lightly,
the target, a big live score, left/right bars for palsy exercises, the hold
timer, the rep counter, the rest timer, and the quality-gating prompts.

Never waits: each frame takes the pipeline results that have arrived (every
one is fed to the session, so holds and reps are timed on camera time) and
draws the newest. A session left half-way is stored as stopped.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pygame

from device.camera.base import CameraEnded, CameraError
from device.pipeline import Pipeline, PipelineError, Update
from device.practice.catalogue import Kind
from device.practice.gating import PROMPT_TEXT
from device.practice.live import LivePractice
from device.practice.plan import Plan
from device.practice.reps import Phase
from device.practice.session import LiveState, SessionResult, Stage
from ui import theme
from ui.camera_view import camera_surface
from ui.screens.base import Screen
from ui.widgets import bar, fit_text, score_colour, wrap_text

if TYPE_CHECKING:
    from ui.app import Kiosk

log = logging.getLogger(__name__)
TIMELINE_EVERY_S = 0.5  # the summary's chart


class PracticeScreen(Screen):
    name = "practice"
    keeps_awake = True  # the session's own no-face timeout applies instead

    def __init__(self, kiosk: Kiosk, plan: Plan) -> None:
        super().__init__(kiosk)
        self.plan = plan
        self.pipeline: Pipeline | None = None
        self.live: LivePractice | None = None
        self.update_seen: Update | None = None
        self.state: LiveState | None = None
        self.picture: pygame.Surface | None = None
        self._shade: pygame.Surface | None = None  # the translucent box behind the calibration text
        self.timeline: list[tuple[float, float]] = []
        self.score_updates = 0  # how often the shown score changed (the kiosk benchmark)
        self._last_face = kiosk.now()

    def enter(self) -> None:
        super().enter()
        k = self.kiosk
        needs_classifier = any(i.exercise.kind is Kind.EXPRESSION for i in self.plan.items)
        try:
            self.pipeline = k.open_pipeline(with_classifier=needs_classifier)
        except CameraError as exc:
            log.warning("camera: %s", exc)
            self._camera_problem("message.no_camera")
            return
        db_path = k.db_path if k.store_error is None else None
        self.live = LivePractice(self.plan, k.config.get_int("camera.width"), k.patient, db_path)
        self._last_face = k.now()

    def exit(self) -> None:
        if self.pipeline is not None:
            self.pipeline.stop()
            self.pipeline = None
        if self.live is not None and not self.live.finished:
            self.live.finish(stopped=True)  # left half-way: stored as stopped

    def layout(self) -> None:
        t, w = self.kiosk.theme, self.kiosk.words
        self.buttons = []
        width = t.px(170)
        self.button("stop", pygame.Rect(t.width - width - t.px(16), t.height - t.target - t.px(16), width, t.target),
                    w("practice.stop"), self._stop)  # fmt: skip

    def _stop(self) -> None:
        self._finish(stopped=True)

    def back(self) -> None:
        self._stop()

    def _finish(self, stopped: bool) -> None:
        from ui.screens.summary import SummaryScreen

        if self.live is None:
            return
        if self.pipeline is not None:
            self.pipeline.stop()
            self.pipeline = None
        result: SessionResult = self.live.finish(stopped=stopped)
        saved = self.live.store_error is None and self.live.recorder is not None
        session_id = self.live.recorder.session_id if self.live.recorder is not None else None
        self.kiosk.go(SummaryScreen(self.kiosk, result, self.timeline, saved=saved, session_id=session_id))

    def _camera_problem(self, title_key: str) -> None:
        from ui.screens.message import MessageScreen

        plan, kiosk = self.plan, self.kiosk

        def retry() -> None:
            kiosk.go(PracticeScreen(kiosk, plan))

        if self.live is not None and not self.live.finished:
            self.live.finish(stopped=True)
        kiosk.go(MessageScreen(kiosk, title_key, "message.no_camera_help", retry, auto_retry=True))

    def update(self, now: float) -> None:
        super().update(now)
        if self.pipeline is None or self.live is None:
            return
        pipeline, live = self.pipeline, self.live
        try:
            while (update := pipeline.get(timeout=0)) is not None:
                self._take(update)
                if live.finished or self.pipeline is None:
                    return
        except CameraEnded:
            self._finish(stopped=live.state is None or live.state.stage is not Stage.DONE)
            return
        except (CameraError, PipelineError) as exc:
            log.warning("live pipeline: %s", exc)
            self._camera_problem("message.camera_lost")
            return
        if self.update_seen is not None and self.update_seen.analysis.face.points is not None:
            self._last_face = now
        elif now - self._last_face > self.kiosk.idle_timeout:
            log.info("no face for %.0f s: the session is stopped", self.kiosk.idle_timeout)
            live.finish(stopped=True)
            from ui.screens.home import HomeScreen

            self.kiosk.go(HomeScreen(self.kiosk))

    def _take(self, update: Update) -> None:
        assert self.live is not None
        assert self.pipeline is not None
        self.pipeline.classify = self.live.wants_expressions
        previous = self.state.score if self.state is not None else None
        self.state = self.live.feed(update)
        self.update_seen = update
        self.picture = None  # redrawn from the newest frame
        if self.state.score is not None and self.state.score != previous:
            self.score_updates += 1
        t = self.live.elapsed
        if self.state.stage is Stage.EXERCISING and (not self.timeline or t - self.timeline[-1][0] >= TIMELINE_EVERY_S):
            self.timeline.append((t, self.state.score if self.state.score is not None else float("nan")))
        if self.state.stage is Stage.DONE:
            self._finish(stopped=False)

    # -- drawing -----------------------------------------------------------------

    def draw(self, surface: pygame.Surface) -> None:
        t, w = self.kiosk.theme, self.kiosk.words
        camera_area = pygame.Rect(t.px(12), t.px(12), round(t.width * 0.6), t.height - t.px(24))
        panel = pygame.Rect(
            camera_area.right + t.px(16), t.px(12), t.width - camera_area.right - t.px(28), t.height - t.px(24)
        )
        pygame.draw.rect(surface, theme.PANEL, camera_area, border_radius=t.px(12))
        update = self.update_seen
        if update is None:
            fit_text(surface, t, w("practice.waiting_camera"), 30, camera_area, colour=theme.MUTED)
        else:
            if self.picture is None:
                self.picture = camera_surface(update.frame.image, update.analysis.face.points, camera_area.size)
            surface.blit(self.picture, self.picture.get_rect(center=camera_area.center))
        state = self.state
        if state is None or state.stage is Stage.CALIBRATING:
            self._draw_calibration(surface, camera_area, state)
        else:
            self._draw_exercise(surface, panel, state)
        if state is not None and state.prompt is not None:
            banner = pygame.Rect(camera_area.left, camera_area.bottom - t.px(70), camera_area.width, t.px(70))
            pygame.draw.rect(surface, theme.WARN, banner, border_radius=t.px(12))
            fit_text(
                surface,
                t,
                w.pick(PROMPT_TEXT[state.prompt]),
                32,
                banner.inflate(-t.px(20), -t.px(8)),
                colour=theme.BACKGROUND,
            )
        if self.live is not None and self.live.store_error is not None:
            note = pygame.Rect(camera_area.left, camera_area.top, camera_area.width, t.px(40))
            pygame.draw.rect(surface, theme.BAD, note, border_radius=t.px(8))
            fit_text(
                surface, t, w("practice.not_saved"), 20, note.inflate(-t.px(12), -t.px(4)), colour=theme.BACKGROUND
            )
        super().draw(surface)

    def _draw_calibration(self, surface: pygame.Surface, area: pygame.Rect, state: LiveState | None) -> None:
        t, w = self.kiosk.theme, self.kiosk.words
        box = pygame.Rect(area.left + t.px(20), area.top + t.px(20), area.width - t.px(40), t.px(130))
        if self._shade is None or self._shade.get_size() != box.size:  # made once, not every frame
            self._shade = pygame.Surface(box.size, pygame.SRCALPHA)
            self._shade.fill((*theme.BACKGROUND, 200))
        surface.blit(self._shade, box)
        fit_text(surface, t, w("calibration.title"), 38, pygame.Rect(box.left, box.top + t.px(6), box.width, t.px(50)))
        fit_text(
            surface,
            t,
            w("calibration.body"),
            24,
            pygame.Rect(box.left, box.top + t.px(56), box.width, t.px(34)),
            colour=theme.MUTED,
        )
        progress = state.calibration_progress if state is not None else 0.0
        bar(
            surface,
            pygame.Rect(box.left + t.px(20), box.bottom - t.px(30), box.width - t.px(40), t.px(18)),
            progress,
            t,
            colour=theme.ACCENT,
        )
        panel = pygame.Rect(area.right + t.px(16), t.px(12), t.width - area.right - t.px(28), t.px(200))
        countdown = max(0.0, 1.0 - progress) * 2.0  # calibration gathers 2 s of steady frames
        fit_text(surface, t, f"{countdown:.0f}" if countdown >= 0.5 else "✓", 110, panel, colour=theme.ACCENT)

    def _draw_exercise(self, surface: pygame.Surface, panel: pygame.Rect, state: LiveState) -> None:
        t, w = self.kiosk.theme, self.kiosk.words
        item = self.plan.items[state.item_index]
        exercise = item.exercise
        y = panel.top
        fit_text(surface, t, w.pick(exercise.name), 30, pygame.Rect(panel.left, y, panel.width, t.px(44)))
        y += t.px(48)
        fit_text(surface, t, w("practice.reps", done=state.reps_done, planned=state.reps_planned), 24,
                 pygame.Rect(panel.left, y, panel.width, t.px(32)), colour=theme.MUTED)  # fmt: skip
        y += t.px(40)
        # The live score: a big number over a bar that moves with the face.
        score = state.score
        colour = score_colour(score)
        fit_text(
            surface,
            t,
            "--" if score is None else f"{score:.0f}",
            96,
            pygame.Rect(panel.left, y, panel.width, t.px(100)),
            colour=colour,
        )
        y += t.px(104)
        bar(
            surface,
            pygame.Rect(panel.left, y, panel.width, t.px(26)),
            None if score is None else score / 100,
            t,
            colour=colour,
        )
        y += t.px(40)
        if state.right_score is not None and state.left_score is not None:
            half = (panel.width - t.px(12)) // 2
            for i, (key, value) in enumerate(
                (("practice.right", state.right_score), ("practice.left", state.left_score))
            ):
                column = pygame.Rect(panel.left + i * (half + t.px(12)), y, half, t.px(26))
                fit_text(surface, t, w(key), 20, column, colour=theme.MUTED)
                bar(surface, column.move(0, t.px(30)).inflate(0, -t.px(6)), value / 100, t, colour=score_colour(value))
            y += t.px(70)
        phase_rect = pygame.Rect(panel.left, y, panel.width, t.px(44))
        if state.phase is Phase.HOLDING:
            fit_text(surface, t, w("practice.hold"), 30, phase_rect, colour=theme.GOOD)
            bar(surface, phase_rect.move(0, t.px(46)).inflate(0, -t.px(24)), state.hold_progress, t, colour=theme.GOOD)
        elif state.phase is Phase.RESTING and state.rest_remaining > 0:
            fit_text(
                surface,
                t,
                w("practice.rest", seconds=f"{state.rest_remaining:.0f}"),
                30,
                phase_rect,
                colour=theme.MUTED,
            )
        else:
            wrap_text(
                surface,
                t,
                w.pick(exercise.instruction),
                20,
                pygame.Rect(panel.left, y, panel.width, t.px(80)),
                colour=theme.TEXT,
            )
