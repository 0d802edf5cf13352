"""Choose one exercise from the catalogue (expressions only when the model is there)."""

from __future__ import annotations

import pygame

from device.practice.catalogue import catalogue
from device.practice.plan import single_exercise_plan
from device.store.records import current_plan
from ui.navigation import OpenIntro
from ui.screens.base import Action, Screen


class ChooseScreen(Screen):
    name = "choose"

    def layout(self) -> None:
        t, w, k = self.host.theme, self.host.words, self.host
        self.buttons = []
        exercises = [e for e in catalogue().values() if k.can_play(e)]
        columns = 3 if t.width / t.height > 1.4 else 2
        rows = -(-len(exercises) // columns)
        top, bottom = t.px(84), t.height - t.px(16)
        gap = t.px(12)
        height = max(t.target, (bottom - top - gap * (rows - 1)) // max(1, rows))
        width = (t.width - t.px(48) - gap * (columns - 1)) // columns
        for i, exercise in enumerate(exercises):
            rect = pygame.Rect(
                t.px(24) + (i % columns) * (width + gap), top + (i // columns) * (height + gap), width, height
            )
            self.button(f"exercise:{exercise.id}", rect, w.pick(exercise.name), self._start(exercise.id))
        # Back sits in the title row, so the grid keeps the screen's height for the exercises.
        back = pygame.Rect(t.px(12), t.px(6), t.px(150), t.target)
        self.button("back", back, w("choose.back"), self.back)

    def _start(self, exercise_id: str) -> Action:
        def action() -> None:
            base = current_plan(self.host.patient) if self.host.patient is not None else None
            self.host.go(OpenIntro(single_exercise_plan(exercise_id, base)))

        return action

    def draw(self, surface: pygame.Surface) -> None:
        self.title(surface, self.host.words("choose.title"))
        super().draw(surface)
