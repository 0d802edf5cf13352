"""Calibration and practice: the mirrored camera with the fit drawn lightly,
each exercise's intro (what to do, shown and told, with its step "2 / 6"),
a big live score, per-side bars for palsy exercises laid out as in the mirror
(the patient's right on the screen's right) with the weaker side marked, the
hold timer, the rep counter, the rest timer, sound cues for holds, Skip and
Stop, and the quality-gating prompts.

Never waits: each frame takes the pipeline results that have arrived (every
one is fed to the session, so holds and reps are timed on camera time) and
draws the newest. A session left half-way is stored as stopped.
"""

from __future__ import annotations

import logging
import math

import pygame

from device.camera import is_live
from device.camera.base import CameraEnded, CameraError
from device.pipeline import Pipeline, Update
from device.practice.live import LiveSession
from device.practice.plan import Plan, Side
from device.practice.recording import SessionEnd
from device.practice.reps import Phase
from device.practice.session import ExerciseOutcome, LiveState, SessionResult, Stage
from device.store.models import SessionSource
from device.store.records import SessionRecorder
from ui import theme
from ui.camera_view import camera_surface
from ui.example_face import draw_example
from ui.navigation import Host, OpenHome, OpenMessage, OpenPractice, OpenSummary
from ui.screens.base import Screen
from ui.sound import Cue
from ui.voice import count_key, exercise_key, prompt_key
from ui.widgets import Button, bar, fit_text, ring, row_of_buttons, score_colour, wrap_text
from ui.widgets import panel as draw_panel

log = logging.getLogger(__name__)

# At least 10 mm between End and any other control (5.2 px a mm on the 7" 800x480 display).
STOP_GAP = 52
PROMPT_EVERY_S = 6.0  # a camera-position prompt is spoken at most this often
READ_AFTER_S = 2.0  # after an instruction is heard, time to look at the example before it starts
READING_CHARS_PER_S = 5.0  # an unhurried reader's pace, for an instruction not heard (sound off)
BAR_SPAN = 200.0  # the per-side bars' smallest scale: twice the target
TIMELINE_EVERY_S = 0.5  # the summary's chart
TIME_SHORT_S = 10.0  # the time-left ring turns amber for the last seconds
# A score under this, before the patient has moved since the rest (or since the
# exercise began), is their face at rest: shown without a colour, not as a grade.
MOVED_SCORE = 15.0


class PracticeScreen(Screen):
    name = "practice"
    keeps_awake = True  # the session's own no-face timeout applies instead

    def __init__(self, host: Host, plan: Plan, *, first_intro: bool = True) -> None:
        super().__init__(host)
        self.plan = plan
        self.first_intro = first_intro
        self.pipeline: Pipeline | None = None
        self.live: LiveSession | None = None
        self.update_seen: Update | None = None
        self.state: LiveState | None = None
        self.picture: pygame.Surface | None = None
        self._shades: dict[tuple[int, int, int], pygame.Surface] = {}  # translucent boxes, made once per size
        self.timeline: list[tuple[float, float]] = []
        self.source = SessionSource.CAMERA  # set from the camera that opens
        self.score_updates = 0  # how often the shown score changed (the kiosk benchmark)
        self.asking = False  # End was tapped: the question "end here?" is shown
        self._speech_until = 0.0  # when what was said so far will have been heard (kiosk clock)
        self._prompt_said_at = -PROMPT_EVERY_S  # when a camera-position prompt was last spoken
        self._last_face = host.now()
        self._time_up_item: int | None = None  # the exercise whose time ran out: said, and shown on the next intro
        self._moved = False  # the patient has moved since the last rest (or since the exercise began)

    def enter(self) -> None:
        super().enter()
        k = self.host
        try:
            # The classifier runs only when the session wants it (pipeline.classify,
            # set each frame): for the neutral check during calibration and for
            # expression exercises.
            self.pipeline = k.open_pipeline()
        except CameraError as exc:
            log.warning("camera: %s", exc)
            self._camera_problem("message.no_camera")
            return
        patient, plan, db_path = k.patient, self.plan, k.db_path
        source = SessionSource.CAMERA if is_live(self.pipeline.camera) else SessionSource.DEMO
        self.source = source

        def open_recorder() -> SessionRecorder:
            assert patient is not None
            return SessionRecorder(db_path, patient, plan, source=source)

        saving = k.store_error is None and patient is not None
        self.live = LiveSession(
            self.plan,
            k.config.camera.width,
            open_recorder if saving else None,
            intro_s=k.config.practice.intro_s,
            exercise_limit_s=k.config.practice.exercise_limit_s,
            first_intro=self.first_intro,
            check_neutral_expression=source == SessionSource.CAMERA,
        )
        self._last_face = k.now()

    def exit(self) -> None:
        if self.pipeline is not None:
            self.pipeline.stop()
            self.pipeline = None
        if self.live is not None and not self.live.finished:
            self.live.finish(SessionEnd.STOPPED)  # left half-way: stored as stopped

    def leave(self, end: str) -> None:
        """An error or the kiosk closing: the session is stored as `end`
        with the reps done, and the camera and worker threads stop."""
        try:
            if self.live is not None and not self.live.finished:
                self.live.finish(end)
        finally:
            self.exit()

    def layout(self) -> None:
        t, w = self.host.theme, self.host.words
        self.buttons = []
        camera = pygame.Rect(t.px(12), t.px(12), round(t.width * 0.6), t.height - t.px(24))
        # End sits in the camera's corner, far (> STOP_GAP_MM) from Skip and Start in the panel, and asks once.
        self.button("stop", pygame.Rect(camera.left + t.px(12), camera.bottom - t.target - t.px(12), t.px(170),
                                        t.target), w("practice.stop"), self._stop)  # fmt: skip
        panel_left = camera.right + t.px(16)
        y = t.height - t.target - t.px(16)
        self.button("skip", pygame.Rect(panel_left, y, t.width - panel_left - t.px(12), t.target),
                    w("practice.skip"), self._skip)  # fmt: skip
        begin = pygame.Rect(panel_left, y - t.target - t.px(12), t.width - panel_left - t.px(12), t.target)
        self.button("begin", begin, w("practice.begin"), self._begin, theme.ACCENT)
        answers = self._question_box().inflate(-t.px(40), 0)
        answers = pygame.Rect(answers.left, answers.bottom - t.target - t.px(20), answers.width, t.target)
        yes, no = row_of_buttons(answers, 2, t.px(STOP_GAP))
        self.button("stop_yes", yes, w("practice.stop_yes"), self._stop_confirmed)
        self.button("stop_no", no, w("practice.stop_no"), self._stop_withdrawn, theme.ACCENT)

    def _question_box(self) -> pygame.Rect:
        t = self.host.theme
        return pygame.Rect(0, 0, min(t.width - t.px(40), t.px(620)), t.px(220)).move(
            (t.width - min(t.width - t.px(40), t.px(620))) // 2, (t.height - t.px(220)) // 2
        )

    def _stop(self) -> None:
        """End asks once: one tap in passing must not end a session."""
        if self.live is None:
            self._finish(SessionEnd.STOPPED)
        elif self.asking:
            self._stop_confirmed()
        else:
            self.asking = True

    def _stop_confirmed(self) -> None:
        self.asking = False
        self._finish(SessionEnd.STOPPED)

    def _stop_withdrawn(self) -> None:
        self.asking = False

    def _skip(self) -> None:
        if self.live is not None and self.state is not None and self.state.stage in {Stage.INTRO, Stage.EXERCISING}:
            self.live.skip()
            self.host.cues.say("skipped")

    def _begin(self) -> None:
        if self.live is not None and self.state is not None and self.state.stage is Stage.INTRO:
            self.live.begin()

    def shown_buttons(self) -> list[Button]:
        """Skip and Start only mean something at some stages; while End asks, only its answers."""
        if self.asking:
            return [b for b in self.buttons if b.name in {"stop_yes", "stop_no"}]
        stage = self.state.stage if self.state is not None else Stage.CALIBRATING
        names = {"stop"}
        if stage in {Stage.INTRO, Stage.EXERCISING}:
            names.add("skip")
        if stage is Stage.INTRO:
            names.add("begin")
        return [b for b in self.buttons if b.name in names]

    def back(self) -> None:
        self._stop()

    def _finish(self, end: str) -> None:
        if self.live is None:
            return
        if self.pipeline is not None:
            self.pipeline.stop()
            self.pipeline = None
        result: SessionResult = self.live.finish(end)
        if not self.live.face_seen:
            self.host.go(OpenHome())  # nobody practised: there is nothing to sum up
            return
        if end != SessionEnd.COMPLETED:
            self.host.cues.say("stopped")
        elif result.any_rep_done:  # praise only what was done: a plan that only timed out ends plainly
            self.host.cues.say("done")
        else:
            self.host.cues.say("ended")
        live = self.live
        session_id = self.live.recorder.session_id if self.live.recorder is not None else None
        self.host.go(
            OpenSummary(
                result,
                self.timeline,
                saved=lambda: live.saving,  # the writer thread may still be writing: asked at each draw
                session_id=session_id,
                end=end,
                counted=self.source == SessionSource.CAMERA,
            )
        )

    def _camera_problem(self, title_key: str) -> None:
        if self.live is not None and not self.live.finished:
            self.live.finish(SessionEnd.STOPPED)
        retry = OpenPractice(self.plan, first_intro=self.first_intro)  # the same practice, afresh
        self.host.go(OpenMessage(title_key, "message.no_camera_help", retry=retry, auto_retry=True))

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
            done = live.state is not None and live.state.stage is Stage.DONE
            self._finish(SessionEnd.COMPLETED if done else SessionEnd.STOPPED)
            return
        except CameraError as exc:
            log.warning("live pipeline: %s", exc)
            self._camera_problem("message.camera_lost")
            return
        # A PipelineError (a stage failed) reaches the kiosk's error path,
        # which stores the session as failed and stops the threads.
        if self.update_seen is not None and self.update_seen.analysis.face.points is not None:
            self._last_face = now
        elif now - self._last_face > self.host.idle_timeout:
            log.info("no face for %.0f s: the session is stopped", self.host.idle_timeout)
            live.finish(SessionEnd.STOPPED)
            self.host.cues.say("no_face")  # said and shown: the patient may be looking away
            self.host.go(OpenMessage("practice.no_face", "practice.no_face_help"))

    def _take(self, update: Update) -> None:
        assert self.live is not None
        assert self.pipeline is not None
        self.pipeline.classify = self.live.wants_expressions
        before = self.state
        previous = before.score if before is not None else None
        self.state = self.live.feed(update)
        self._cue(before, self.state)
        self._follow_movement(before, self.state)
        self.update_seen = update
        self.picture = None  # redrawn from the newest frame
        if self.state.score is not None and self.state.score != previous:
            self.score_updates += 1
        t = self.live.elapsed
        if self.state.stage is Stage.EXERCISING and (not self.timeline or t - self.timeline[-1][0] >= TIMELINE_EVERY_S):
            self.timeline.append((t, self.state.score if self.state.score is not None else float("nan")))
        if self.state.stage is Stage.DONE:
            self._finish(SessionEnd.COMPLETED)

    def _cue(self, before: LiveState | None, now: LiveState) -> None:
        """Sound and speech for what the patient cannot see with closed eyes."""
        assert self.live is not None
        cues, say = self.host.cues, self._say
        if before is None and now.stage is Stage.CALIBRATING:
            say("calibrate")
        last_rep = self.live.session.last_rep
        if last_rep is not None:
            cues.play(Cue.RELAX)  # a hold was completed: relax, told in words too, then the count
            say("relax")
            say(count_key(last_rep[1].number))
        elif now.stage is Stage.EXERCISING and (before is None or before.stage is not Stage.EXERCISING):
            cues.play(Cue.GO)  # the exercise starts
        elif before is not None and before.phase is not Phase.HOLDING and now.phase is Phase.HOLDING:
            cues.play(Cue.HOLD)
            say("hold")
        elif before is not None and before.phase is Phase.RESTING and now.phase is Phase.READY:
            cues.play(Cue.GO)
            say("again")
        if self._ran_out(before, now):
            assert before is not None
            self._time_up_item = before.item_index
            say("time_up" if now.stage is not Stage.DONE else "time_up_last")  # heard before the next intro
        new_intro = before is None or before.stage is not Stage.INTRO or before.item_index != now.item_index
        if now.stage is Stage.INTRO and new_intro and now.exercise_id is not None:
            say(exercise_key(now.exercise_id))  # the instruction, told as it is shown
            self._give_time_to_listen(now)
        clock = self.host.now()
        if now.prompt is not None and clock - self._prompt_said_at >= PROMPT_EVERY_S:
            self._prompt_said_at = clock  # where the face should be, said at most once every few seconds
            say(prompt_key(now.prompt))

    def _ran_out(self, before: LiveState | None, now: LiveState) -> bool:
        """Whether the exercise under way in `before` has just ended on its time limit."""
        assert self.live is not None
        if before is None or before.stage is not Stage.EXERCISING:
            return False
        if now.stage is Stage.EXERCISING and now.item_index == before.item_index:
            return False
        ended = self.live.session.result().exercises[before.item_index]
        return ended.outcome is ExerciseOutcome.TIMED_OUT

    def _follow_movement(self, before: LiveState | None, now: LiveState) -> None:
        """Whether the patient has moved since the exercise began or the last
        rest ended: until then a low number is the face at rest, not a grade."""
        started = now.stage is Stage.EXERCISING and (
            before is None or before.stage is not Stage.EXERCISING or before.item_index != now.item_index
        )
        rested = before is not None and before.phase is Phase.RESTING and now.phase is not Phase.RESTING
        if started or rested:
            self._moved = False
        if now.phase is Phase.HOLDING or (now.score is not None and now.score >= MOVED_SCORE):
            self._moved = True

    def _say(self, key: str | None) -> None:
        """Speak `key`, keeping when it will have been heard (it waits for what is being said)."""
        if key is None:
            return
        self.host.cues.say(key)
        self._speech_until = max(self._speech_until, self.host.now()) + self.host.cues.length(key)

    def _give_time_to_listen(self, state: LiveState) -> None:
        """An exercise's intro lasts until its spoken instruction has been
        heard (after anything still being said) and then READ_AFTER_S more,
        or as long as reading the instruction takes when the sound is off;
        never less than the configured intro, and Start begins it sooner."""
        assert self.live is not None
        if state.exercise_id is None:
            return
        instruction = self.host.words.pick(self.plan.items[state.item_index].exercise.instruction)
        listening = self._speech_until - self.host.now() + READ_AFTER_S
        reading = len(instruction) / READING_CHARS_PER_S
        self.live.session.intro_s = max(self.host.config.practice.intro_s, listening, reading)

    # -- drawing -----------------------------------------------------------------

    def draw(self, surface: pygame.Surface) -> None:
        t, w = self.host.theme, self.host.words
        camera_area = pygame.Rect(t.px(12), t.px(12), round(t.width * 0.6), t.height - t.px(24))
        panel = pygame.Rect(
            camera_area.right + t.px(16), t.px(12), t.width - camera_area.right - t.px(28), t.height - t.px(24)
        )
        draw_panel(surface, camera_area, t)
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
        elif state.stage is Stage.INTRO:
            self._draw_intro(surface, camera_area, panel, state)
        else:
            self._draw_exercise(surface, panel, state)
            self._draw_time_left(surface, camera_area, state)
        if state is not None and state.prompt is not None:
            # Above End, which sits in the camera's bottom corner.
            bottom = camera_area.bottom - t.target - t.px(24)
            banner = pygame.Rect(camera_area.left, bottom - t.px(70), camera_area.width, t.px(70))
            pygame.draw.rect(surface, theme.WARN, banner, border_radius=t.px(12))
            fit_text(
                surface,
                t,
                w(f"prompt.{state.prompt}"),
                32,
                banner.inflate(-t.px(20), -t.px(8)),
                colour=theme.BACKGROUND,
            )
        if self.live is not None and self.live.store_error is not None:
            note = pygame.Rect(camera_area.left, camera_area.top, camera_area.width, t.px(40))
            pygame.draw.rect(surface, theme.WARN, note, border_radius=t.px(8))
            fit_text(
                surface, t, w("practice.not_saved"), 24, note.inflate(-t.px(12), -t.px(4)), colour=theme.BACKGROUND
            )
        if self._after_time_up(state):
            # The previous exercise's time ran out: said aloud, and written while the next is introduced.
            note = pygame.Rect(camera_area.left, camera_area.top, camera_area.width, t.px(40))
            pygame.draw.rect(surface, theme.WARN, note, border_radius=t.px(8))
            fit_text(surface, t, w("practice.time_up"), 24, note.inflate(-t.px(12), -t.px(4)), colour=theme.BACKGROUND)
        if self._rest_was_a_fallback(state):
            # Said until the first rep: the rest was taken as it was, so the patient knows why it moved on.
            note = pygame.Rect(camera_area.left, camera_area.top, camera_area.width, t.px(40))
            pygame.draw.rect(surface, theme.PANEL, note, border_radius=t.px(8))
            fit_text(surface, t, w("practice.rest_fallback"), 24, note.inflate(-t.px(12), -t.px(4)))
        if self.asking:
            self._draw_question(surface)
        super().draw(surface)

    def _after_time_up(self, state: LiveState | None) -> bool:
        if state is None or self._time_up_item is None or state.stage is not Stage.INTRO:
            return False
        if self.live is not None and self.live.store_error is not None:
            return False  # the not-saved note has the place
        return state.item_index == self._time_up_item + 1

    def _draw_time_left(self, surface: pygame.Surface, camera_area: pygame.Rect, state: LiveState) -> None:
        """A ring in the camera's free corner (End has the other one) that
        empties as the exercise's time runs out, with the seconds inside."""
        if state.time_left is None:
            return
        t, w = self.host.theme, self.host.words
        limit = max(self.host.config.practice.exercise_limit_s, 1e-6)
        size = t.target + t.px(16)
        area = pygame.Rect(camera_area.right - size - t.px(12), camera_area.bottom - size - t.px(12), size, size)
        pygame.draw.circle(surface, theme.BACKGROUND, area.center, size // 2)
        colour = theme.WARN if state.time_left < TIME_SHORT_S else theme.ACCENT_TEXT
        ring(surface, area.inflate(-t.px(6), -t.px(6)), state.time_left / limit, t, colour=colour)
        seconds = w("practice.time_left", seconds=f"{math.ceil(state.time_left):.0f}")
        fit_text(surface, t, seconds, 24, area.inflate(-t.px(26), -t.px(26)), colour=colour)

    def _rest_was_a_fallback(self, state: LiveState | None) -> bool:
        live = self.live
        if state is None or live is None or live.store_error is not None:
            return False  # the not-saved note has the place
        calibration = live.session.calibration
        if calibration is None or not calibration.fallback:
            return False
        return state.item_index == 0 and state.reps_done == 0 and state.stage is not Stage.DONE

    def _draw_question(self, surface: pygame.Surface) -> None:
        t, w = self.host.theme, self.host.words
        surface.blit(self._shade(surface.get_size(), 200), (0, 0))
        box = self._question_box()
        draw_panel(surface, box, t, radius=16)
        fit_text(surface, t, w("practice.stop_ask"), 34, pygame.Rect(box.left, box.top + t.px(20), box.width, t.px(60)))

    def _shade(self, size: tuple[int, int], alpha: int) -> pygame.Surface:
        """A translucent box of the background colour, made once, not every frame."""
        key = (*size, alpha)
        if key not in self._shades:
            shade = pygame.Surface(size, pygame.SRCALPHA)
            shade.fill((*theme.BACKGROUND, alpha))
            self._shades[key] = shade
        return self._shades[key]

    def _draw_intro(self, surface: pygame.Surface, area: pygame.Rect, panel: pygame.Rect, state: LiveState) -> None:
        """What the next exercise asks, shown (the example face) and told."""
        t, w = self.host.theme, self.host.words
        item = self.plan.items[state.item_index]
        exercise = item.exercise
        surface.blit(self._shade(area.size, 215), area)
        top = area.top + (t.px(44) if self._after_time_up(state) else 0)  # under the time-up note
        face = pygame.Rect(area.left + t.px(20), top + t.px(70), area.width - t.px(40), area.bottom - top - t.px(90))
        draw_example(surface, face, exercise, self.host.now())
        heading = w("practice.step", step=state.item_index + 1, steps=len(self.plan.items))
        fit_text(surface, t, heading, 26, pygame.Rect(area.left, top + t.px(8), area.width, t.px(30)),
                 colour=theme.MUTED)  # fmt: skip
        fit_text(surface, t, w.pick(exercise.name), 34, pygame.Rect(area.left, top + t.px(36), area.width,
                 t.px(36)))  # fmt: skip
        # The instruction (up to four lines), the reps, and when it starts (up to three lines) above Start.
        text_area = pygame.Rect(panel.left, panel.top, panel.width, panel.height - 2 * t.target - t.px(164))
        wrap_text(surface, t, w.pick(exercise.instruction), 26, text_area)
        reps = w("intro.reps", reps=item.reps, hold=f"{item.hold_s:g}")
        fit_text(surface, t, reps, 24, pygame.Rect(panel.left, text_area.bottom + t.px(4), panel.width, t.px(30)),
                 colour=theme.MUTED)  # fmt: skip
        starts = w("practice.starts_in", seconds=f"{state.intro_remaining:.0f}")
        begins = panel.bottom - 2 * t.target - t.px(16)  # the top of Start
        below = text_area.bottom + t.px(36)
        wrap_text(surface, t, starts, 24, pygame.Rect(panel.left, below, panel.width, begins - below - t.px(4)),
                  colour=theme.MUTED)  # fmt: skip

    def _draw_calibration(self, surface: pygame.Surface, area: pygame.Rect, state: LiveState | None) -> None:
        t, w = self.host.theme, self.host.words
        box = pygame.Rect(area.left + t.px(20), area.top + t.px(20), area.width - t.px(40), t.px(130))
        surface.blit(self._shade(box.size, 200), box)
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
            colour=theme.ACCENT_TEXT,
        )
        panel = pygame.Rect(area.right + t.px(16), t.px(12), t.width - area.right - t.px(28), t.px(200))
        countdown = max(0.0, 1.0 - progress) * 2.0  # calibration gathers 2 s of steady frames
        fit_text(surface, t, f"{countdown:.0f}" if countdown >= 0.5 else "✓", 110, panel, colour=theme.ACCENT_TEXT)

    def _draw_exercise(self, surface: pygame.Surface, panel: pygame.Rect, state: LiveState) -> None:
        t, w = self.host.theme, self.host.words
        item = self.plan.items[state.item_index]
        exercise = item.exercise
        y = panel.top
        title = w.pick(exercise.name)
        if len(self.plan.items) > 1:
            title = w("practice.title_step", step=state.item_index + 1, steps=len(self.plan.items), name=title)
        # Heights add up so that an instruction of three lines at the smallest
        # type still ends above Skip at 800x480 with the per-side bars shown.
        fit_text(surface, t, title, 30, pygame.Rect(panel.left, y, panel.width, t.px(42)))
        y += t.px(44)
        number = min(state.reps_done + 1, state.reps_planned)  # the rep under way, not a tally of what is missing
        fit_text(surface, t, w("practice.reps", number=number, planned=state.reps_planned), 24,
                 pygame.Rect(panel.left, y, panel.width, t.px(32)), colour=theme.MUTED)  # fmt: skip
        y += t.px(36)
        big = pygame.Rect(panel.left, y, panel.width, t.px(84))
        if state.phase is Phase.RESTING:
            # Resting is not graded: the countdown takes the number's place.
            seconds = f"{state.rest_remaining:.0f}" if state.rest_remaining >= 0.5 else "…"
            fit_text(surface, t, w("practice.rest", seconds=seconds), 40, big, colour=theme.MUTED)
            y += t.px(120)
        else:
            # The live score: a big number over a bar that moves with the face;
            # coloured as a grade only once the patient has moved.
            score = state.score
            colour = score_colour(score) if score is not None and self._moved else theme.MUTED
            fit_text(surface, t, "--" if score is None else f"{score:.0f}", 84, big, colour=colour)
            y += t.px(88)
            bar(surface, pygame.Rect(panel.left, y, panel.width, t.px(22)), None if score is None else score / 100, t,
                colour=colour)  # fmt: skip
            y += t.px(32)
        if state.right_score is not None and state.left_score is not None:
            self._draw_sides(surface, pygame.Rect(panel.left, y, panel.width, t.px(64)), state)
            y += t.px(66)
        phase_rect = pygame.Rect(panel.left, y, panel.width, t.px(44))
        if state.phase is Phase.HOLDING:
            fit_text(surface, t, w("practice.hold"), 30, phase_rect, colour=theme.GOOD)
            bar(surface, phase_rect.move(0, t.px(46)).inflate(0, -t.px(24)), state.hold_progress, t, colour=theme.GOOD)
        elif state.phase is not Phase.RESTING:
            bottom = panel.bottom - t.target - t.px(12)
            instruction = pygame.Rect(panel.left, y, panel.width, max(t.px(30), bottom - y))
            wrap_text(surface, t, w.pick(exercise.instruction), 26, instruction, colour=theme.TEXT)

    def _draw_sides(self, surface: pygame.Surface, area: pygame.Rect, state: LiveState) -> None:
        """Per-side bars as in the mirror: the patient's own left side shows
        on the screen's left. Both bars share one scale, at least twice the
        target (marked) and stretched to the stronger side, so neither side
        fills its bar while the other is weaker: the asymmetry always shows."""
        t, w = self.host.theme, self.host.words
        assert state.left_score is not None
        assert state.right_score is not None
        span = max(BAR_SPAN, state.left_score, state.right_score)
        half = (area.width - t.px(12)) // 2
        sides = ((Side.LEFT, "practice.left", state.left_score), (Side.RIGHT, "practice.right", state.right_score))
        for i, (side, key, value) in enumerate(sides):
            assert value is not None
            column = pygame.Rect(area.left + i * (half + t.px(12)), area.top, half, t.px(26))
            weaker = state.weaker is side
            label = w(key) + (" · " + w("practice.weaker") if weaker else "")
            fit_text(surface, t, label, 24, column, colour=theme.WARN if weaker else theme.MUTED)
            track = column.move(0, t.px(30)).inflate(0, -t.px(6))
            bar(
                surface,
                track,
                value / span,
                t,
                colour=theme.WARN if weaker else score_colour(min(100, value)),
            )
            target_x = track.left + round(track.width * 100 / span)
            pygame.draw.line(surface, theme.TEXT, (target_x, track.top - t.px(3)), (target_x, track.bottom + t.px(3)),
                             max(1, t.px(2)))  # fmt: skip
