"""Sound cues, so an exercise can be followed with the eyes closed: a rising
chime when a hold starts, a falling one when it ends (rest), and a short
tone when it is time to move again. Made in memory as tones, so there are no
sound files to ship and nothing to translate.

Where there is no audio device (or SDL's dummy driver), the cues are still
counted in `played` and nothing is heard: sound never stops practice.
"""

from __future__ import annotations

import logging
from collections import Counter
from enum import StrEnum

import numpy as np
import pygame

log = logging.getLogger(__name__)
RATE = 22050


class Cue(StrEnum):
    HOLD = "hold"  # a hold has started: keep the movement
    RELAX = "relax"  # the hold is over: relax and rest
    GO = "go"  # rest over (or a new exercise): move again


# Each cue: (frequency in Hz, seconds) notes.
_NOTES = {
    Cue.HOLD: ((523.0, 0.12), (784.0, 0.18)),
    Cue.RELAX: ((784.0, 0.12), (523.0, 0.25)),
    Cue.GO: ((659.0, 0.15),),
}


def _tone(notes: tuple[tuple[float, float], ...]) -> np.ndarray:
    parts = []
    for frequency, seconds in notes:
        t = np.arange(int(RATE * seconds)) / RATE
        envelope = np.minimum(1.0, np.minimum(t, seconds - t) / 0.02)  # no clicks at either end
        parts.append(np.sin(2 * np.pi * frequency * t) * envelope)
    return (np.concatenate(parts) * 0.6 * 32767).astype(np.int16)


class Cues:
    def __init__(self, volume: float = 0.7, muted: bool = False) -> None:
        self.volume = volume
        self.muted = muted
        self.played: Counter[Cue] = Counter()
        self._sounds: dict[Cue, pygame.mixer.Sound] = {}
        try:
            if not pygame.mixer.get_init():
                pygame.mixer.init(frequency=RATE, size=-16, channels=1)
            _, _, channels = pygame.mixer.get_init()
            for cue, notes in _NOTES.items():
                samples = _tone(notes)
                if channels > 1:
                    samples = np.repeat(samples[:, None], channels, axis=1)
                self._sounds[cue] = pygame.mixer.Sound(buffer=np.ascontiguousarray(samples).tobytes())
        except pygame.error as exc:
            log.warning("no sound (%s): the cues are silent", exc)

    def play(self, cue: Cue) -> None:
        self.played[cue] += 1
        sound = self._sounds.get(cue)
        if sound is None or self.muted or self.volume <= 0:
            return
        sound.set_volume(self.volume)
        sound.play()
