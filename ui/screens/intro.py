"""Exercise intro, for an exercise chosen from the list: what to do, shown
(an animated landmark face) as well as told, with the effort level and how
many times. (A plan's exercises are introduced one by one on the practice
screen.)"""

from __future__ import annotations

import pygame

from device.practice.plan import Plan
from ui import theme
from ui.example_face import draw_example
from ui.navigation import Host, OpenChoose, OpenPractice
from ui.screens.base import Screen
from ui.voice import exercise_key
from ui.widgets import fit_text, panel, wrap_text


class IntroScreen(Screen):
    name = "intro"

    def __init__(self, host: Host, plan: Plan) -> None:
        super().__init__(host)
        self.plan = plan
        self._started = host.now()
        self._now = self._started

    def enter(self) -> None:
        super().enter()
        # Told as it is shown, as a plan's steps are: the eye exercises are followed with the eyes closed.
        self.host.cues.say(exercise_key(self.plan.items[0].exercise.id))

    def layout(self) -> None:
        t, w = self.host.theme, self.host.words
        self.buttons = []
        width = t.width // 2 - t.px(48)
        self.button("start", pygame.Rect(t.width - width - t.px(24), t.height - t.target - t.px(20), width, t.target),
                    w("intro.start"), self._start, theme.ACCENT)  # fmt: skip
        self.button(
            "back",
            pygame.Rect(t.px(24), t.height - t.target - t.px(20), t.px(200), t.target),
            w("intro.back"),
            self.back,
        )

    def _start(self) -> None:
        # This screen already introduced the exercise: practice starts it after calibration.
        self.host.go(OpenPractice(self.plan, first_intro=False))

    def back(self) -> None:
        """Back to the list the exercise was chosen from."""
        self.host.go(OpenChoose())

    def update(self, now: float) -> None:
        super().update(now)
        self._now = now

    def draw(self, surface: pygame.Surface) -> None:
        t, w = self.host.theme, self.host.words
        item = self.plan.items[0]
        exercise = item.exercise
        title = w.pick(exercise.name)
        if len(self.plan.items) > 1:
            title = w("practice.title_step", step=1, steps=len(self.plan.items), name=title)
        self.title(surface, title)
        face = pygame.Rect(t.px(24), t.px(80), t.width // 2 - t.px(48), t.height - t.px(80) - t.target - t.px(40))
        panel(surface, face, t, radius=16)
        draw_example(surface, face.inflate(-t.px(30), -t.px(20)), exercise, self._now - self._started)
        text = pygame.Rect(t.width // 2 + t.px(12), t.px(90), t.width // 2 - t.px(36), t.px(200))
        wrap_text(surface, t, w.pick(exercise.instruction), 30, text)
        effort = w(f"intro.effort_{self.plan.effort.value}")
        facts = pygame.Rect(text.left, text.bottom + t.px(10), text.width, t.px(40))
        fit_text(surface, t, w("intro.effort", effort=effort), 26, facts, colour=theme.MUTED)
        reps = w("intro.reps", reps=item.reps, hold=f"{item.hold_s:g}")
        fit_text(surface, t, reps, 26, facts.move(0, t.px(44)), colour=theme.MUTED)
        super().draw(surface)
