"""Home: who is practising, today's plan, choosing an exercise, my progress;
settings behind a long press on the corner."""

from __future__ import annotations

import pygame

from device.practice.plan import default_plan
from device.store.models import Patient
from device.store.queries import sessions_on
from device.store.records import current_plan
from ui import theme
from ui.navigation import OpenChoose, OpenPractice, OpenProgress, OpenSettings
from ui.screens.base import Action, Screen
from ui.widgets import column_of_buttons, fit_text, row_of_buttons

SETTINGS_CORNER = 90  # px at 800x480
PATIENTS_PER_ROW = 4  # buttons big enough to tap at 800x480; more patients get pages


class HomeScreen(Screen):
    name = "home"
    today_line = ""

    def layout(self) -> None:
        t, w, k = self.host.theme, self.host.words, self.host
        self.buttons = []
        patients = k.patients()
        top = t.px(110)
        if len(patients) > 1:
            strip = pygame.Rect(t.px(24), top, t.width - t.px(48), t.target)
            shown, pages = self._patient_page(patients)
            rects = row_of_buttons(strip, len(shown) + (pages > 1), t.px(12))
            for rect, patient in zip(rects, shown, strict=False):
                chosen = k.patient is not None and patient.id == k.patient.id
                # The chosen one is told by a check mark and an outline, not by colour alone.
                label = w("common.chosen", label=patient.name) if chosen else patient.name
                self.button(f"patient:{patient.name}", rect, label, self._choose(patient), chosen=chosen)
            if pages > 1:  # more patients than fit: the last button turns the page, so every one is reachable
                label = w("home.more_patients", page=self.patient_page + 1, pages=pages)
                self.button("patients:more", rects[-1], label, self._next_patients)
            top += t.target + t.px(20)
        # Today's count is read here, not in draw(): one query per visit, not 30 a second.
        self.today_line = ""
        if k.patient is not None and k.store_error is None:
            count = len(sessions_on(k.patient, k.calendar.today()))
            name = k.patient.name
            done = w.plural("home.today_done", count, name=name)
            self.today_line = done if count else w("home.today_none", name=name)
        area = pygame.Rect(t.px(120), top, t.width - t.px(240), t.height - top - t.px(30))
        rects = column_of_buttons(area, 3, t.px(16))
        self.button("start_plan", rects[0], w("home.start_plan"), self._start_plan, theme.ACCENT)
        self.button("choose", rects[1], w("home.choose"), self._choose_exercise)
        self.button("progress", rects[2], w("home.progress"), self._progress)

    patient_page = -1  # which page of patients shows (-1: the one holding the chosen patient)

    def _patient_page(self, patients: list[Patient]) -> tuple[list[Patient], int]:
        """The patients on the page shown and the number of pages: all of them
        when they fit (PATIENTS_PER_ROW), else PATIENTS_PER_ROW - 1 a page and a page button."""
        if len(patients) <= PATIENTS_PER_ROW:
            self.patient_page = 0
            return patients, 1
        size = PATIENTS_PER_ROW - 1
        pages = -(-len(patients) // size)
        if self.patient_page < 0:
            ids = [p.id for p in patients]
            chosen = self.host.patient
            self.patient_page = ids.index(chosen.id) // size if chosen is not None and chosen.id in ids else 0
        self.patient_page %= pages
        return patients[self.patient_page * size : (self.patient_page + 1) * size], pages

    def _next_patients(self) -> None:
        self.patient_page += 1
        self.layout()

    def _choose(self, patient: Patient) -> Action:
        def action() -> None:
            self.host.patient = patient
            self.layout()

        return action

    def _start_plan(self) -> None:
        """Straight to practice: calibration, then each exercise introduced in turn."""
        plan = current_plan(self.host.patient) if self.host.patient is not None else default_plan()
        self.host.go(OpenPractice(self.host.playable(plan)))

    def _choose_exercise(self) -> None:
        self.host.go(OpenChoose())

    def _progress(self) -> None:
        self.host.go(OpenProgress())

    def on_long_press(self, position: tuple[int, int]) -> None:
        t = self.host.theme
        if position[0] >= t.width - t.px(SETTINGS_CORNER) and position[1] <= t.px(SETTINGS_CORNER):
            self.host.go(OpenSettings())
        else:
            self.on_tap(position)

    def on_key(self, key: int) -> None:
        if key == pygame.K_s:
            self.host.go(OpenSettings())
        elif key == pygame.K_ESCAPE:
            self.host.running = False
        else:
            super().on_key(key)

    def draw(self, surface: pygame.Surface) -> None:
        t, w = self.host.theme, self.host.words
        self.title(surface, w("home.title"))
        if self.today_line:
            fit_text(surface, t, self.today_line, 22,
                     pygame.Rect(t.px(24), t.px(70), t.width - t.px(48), t.px(30)), colour=theme.MUTED)  # fmt: skip
        # The settings corner: a small gear-like mark, long press to open.
        corner = pygame.Rect(t.width - t.px(SETTINGS_CORNER), 0, t.px(SETTINGS_CORNER), t.px(SETTINGS_CORNER))
        pygame.draw.circle(surface, theme.PANEL, corner.center, t.px(22))
        pygame.draw.circle(surface, theme.MUTED, corner.center, t.px(22), width=t.px(4))
        pygame.draw.circle(surface, theme.MUTED, corner.center, t.px(7))
        super().draw(surface)
