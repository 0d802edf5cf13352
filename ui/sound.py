"""Sound, so an exercise can be followed with the eyes closed: tone cues (a
rising chime when a hold starts, a falling one when it ends, a short tone
when it is time to move again), made in memory, and spoken prompts in the
patient's language (ui/voice.py), played from the shipped files on their own
channel so a prompt never cuts a tone.

Where there is no audio device (or SDL's dummy driver), the cues are still
counted in `played` and nothing is heard: sound never stops practice, but
`error` says why, and the kiosk shows a small note (a patient following the
eye exercises by ear must not be left guessing).

Under the service SDL plays through ALSA (SDL_AUDIODRIVER=alsa in the unit:
a system service has no PulseAudio or PipeWire session) on the device the
kiosk.sound_device setting names, passed to SDL as AUDIODEV.

    python -m ui.sound      # opens the sound output as the kiosk does, one line, exit 1 if there is none
"""

from __future__ import annotations

import logging
import os
import sys
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


def open_mixer(device: str = "") -> None:
    """Start SDL's audio on ALSA device `device` (empty: ALSA's default);
    pygame.error when there is no output."""
    if device:
        # SDL's ALSA driver opens $AUDIODEV when no device is named (SDL 2).
        os.environ["AUDIODEV"] = device
    pygame.mixer.init(frequency=RATE, size=-16, channels=1)


class Cues:
    def __init__(self, volume: float = 0.7, muted: bool = False, language: str = "ko", device: str = "") -> None:
        self.volume = volume
        self.muted = muted
        self.language = language
        self.recorded: Path | None = None  # a clinic's recorded prompts (ui/voice.py), preferred when there
        self.played: Counter[Cue] = Counter()
        self.spoken: Counter[str] = Counter()  # prompt keys, whatever the language
        self._sounds: dict[Cue, pygame.mixer.Sound] = {}
        self._voices: dict[tuple[str, str], pygame.mixer.Sound | None] = {}
        self._speech: pygame.mixer.Channel | None = None
        self.error: str | None = None  # why there is no sound, or None
        try:
            if not pygame.mixer.get_init():
                open_mixer(device)
            mixer = pygame.mixer.get_init()
            if mixer is None:
                raise pygame.error("the mixer did not start")
            channels = mixer[2]
            for cue, notes in _NOTES.items():
                samples = _tone(notes)
                if channels > 1:
                    samples = np.repeat(samples[:, None], channels, axis=1)
                self._sounds[cue] = pygame.mixer.Sound(buffer=np.ascontiguousarray(samples).tobytes())
            pygame.mixer.set_reserved(1)  # channel 0 is the voice's alone
            self._speech = pygame.mixer.Channel(0)
        except pygame.error as exc:
            self.error = str(exc)
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


def main() -> int:
    """Open the sound output the way the kiosk does and play a short tone:
    one line, exit 1 when there is no output or it is set to be silent."""
    from device.config import load_config
    from ui.preferences import Preferences

    config = load_config()
    device = config.kiosk.sound_device or "ALSA's default device"
    try:
        cues = Cues(1.0, False, "en", config.kiosk.sound_device)  # loud, whatever the patient chose: a check
        if cues.error is not None:
            print(f"no sound output on {device} ({cues.error})")
            return 1
        driver = pygame.mixer.get_driver()
        cues.play(Cue.GO)
        pygame.time.wait(400)
    finally:
        pygame.quit()
    preferences = Preferences.load(config)
    if preferences.muted or preferences.volume == 0:
        print(f"{device} through {driver} works, but the kiosk is set silent (muted or volume 0 on its settings)")
        return 1
    print(f"{device} through {driver}: a tone was played at the kiosk's volume {preferences.volume}; listen for it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
