"""Render the kiosk's spoken prompts, in Korean and English, to the Ogg files
the kiosk ships (ui/assets/voice/<language>/<key>.ogg).

    python tools/render_voice.py          # needs espeak-ng and soundfile

Run on a development machine, never on the device: the device only plays
the files. espeak-ng (GPL-3.0) is a tool here like a compiler; the audio it
renders is not a derivative of its code and ships under this project's
licence. What each file says is recorded in manifest.json, so a test can tell
when a sentence changed and its file was not rendered again.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ui.voice import VOICE_DIR, phrases  # noqa: E402

# espeak-ng's voice and speed per language (words a minute): slow and clear.
VOICES = {"ko": ("ko", 140), "en": ("en-gb", 140)}


def render(text: str, language: str, out: Path) -> None:
    import soundfile

    voice, speed = VOICES[language]
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True)
        with wave.open(str(wav)) as handle:
            rate = handle.getframerate()
            samples = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16)
    out.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(out), samples, rate, format="OGG", subtype="VORBIS")


def main() -> int:
    if shutil.which("espeak-ng") is None:
        print("error: espeak-ng is not installed (apt install espeak-ng)", file=sys.stderr)
        return 2
    manifest: dict[str, dict[str, str]] = {}
    for language in VOICES:
        manifest[language] = {}
        for key, text in phrases(language).items():
            render(text, language, VOICE_DIR / language / f"{key}.ogg")
            manifest[language][key] = text
    (VOICE_DIR / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    count = sum(len(v) for v in manifest.values())
    size = sum(p.stat().st_size for p in VOICE_DIR.rglob("*.ogg"))
    print(f"rendered {count} prompts, {size / 1024:.0f} KB -> {VOICE_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
