"""Sound, so an exercise can be followed with the eyes closed: tone cues (a
rising chime when a hold starts, a falling one when it ends, a short tone
when it is time to move again), made in memory, and spoken prompts in the
patient's language (ui/voice.py), played from the shipped files on their own
channel so a prompt never cuts a tone.

Where there is no audio device (or SDL's dummy driver), the cues are still
counted in `played` and nothing is heard: sound never stops practice.
"""

from __future__ import annotations

import logging
from collections import Counter
from enum import StrEnum
from pathlib import Path

import numpy as np
import pygame

from ui.voice import voice_file

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
    def __init__(self, volume: float = 0.7, muted: bool = False, language: str = "ko") -> None:
        self.volume = volume
        self.muted = muted
        self.language = language
        self.recorded: Path | None = None  # a clinic's recorded prompts (ui/voice.py), preferred when there
        self.played: Counter[Cue] = Counter()
        self.spoken: Counter[str] = Counter()  # prompt keys, whatever the language
        self._sounds: dict[Cue, pygame.mixer.Sound] = {}
        self._voices: dict[tuple[str, str], pygame.mixer.Sound | None] = {}
        self._speech: pygame.mixer.Channel | None = None
        try:
            if not pygame.mixer.get_init():
                pygame.mixer.init(frequency=RATE, size=-16, channels=1)
            _, _, channels = pygame.mixer.get_init()
            for cue, notes in _NOTES.items():
                samples = _tone(notes)
                if channels > 1:
                    samples = np.repeat(samples[:, None], channels, axis=1)
                self._sounds[cue] = pygame.mixer.Sound(buffer=np.ascontiguousarray(samples).tobytes())
            pygame.mixer.set_reserved(1)  # channel 0 is the voice's alone
            self._speech = pygame.mixer.Channel(0)
        except pygame.error as exc:
            log.warning("no sound (%s): the cues are silent", exc)

    def play(self, cue: Cue) -> None:
        self.played[cue] += 1
        sound = self._sounds.get(cue)
        if sound is None or self.muted or self.volume <= 0:
            return
        sound.set_volume(self.volume)
        sound.play()

    def say(self, key: str | None) -> None:
        """Speak prompt `key` (ui/voice.py) in the current language, after the
        prompt being spoken (only the newest waits: a count then the next
        exercise's instruction, never a backlog)."""
        if key is None:
            return
        self.spoken[key] += 1
        if self._speech is None or self.muted or self.volume <= 0:
            return
        sound = self._voice(key)
        if sound is not None:
            sound.set_volume(self.volume)
            if self._speech.get_busy():
                self._speech.queue(sound)
            else:
                self._speech.play(sound)

    def _voice(self, key: str) -> pygame.mixer.Sound | None:
        cached = (self.language, key)
        if cached not in self._voices:
            try:
                self._voices[cached] = pygame.mixer.Sound(str(voice_file(self.language, key, self.recorded)))
            except (pygame.error, FileNotFoundError) as exc:
                log.warning("no spoken prompt %s/%s: %s", self.language, key, exc)
                self._voices[cached] = None
        return self._voices[cached]

    def length(self, key: str | None) -> float:
        """Seconds prompt `key` takes to say; 0 when nothing is heard (muted, silent, no file)."""
        if key is None or self._speech is None or self.muted or self.volume <= 0:
            return 0.0
        sound = self._voice(key)
        return sound.get_length() if sound is not None else 0.0
