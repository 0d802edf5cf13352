"""Korean particles that depend on the word before them: 은/는, 이/가, 을/를,
과/와, 아/야 and (으)로.

A catalogue sentence names the particle as a format spec after the value it
follows, in its after-a-consonant form: "{name:은}", "{side:이}", "{count:을}",
"{place:으로}". The word decides the form: its last Hangul syllable's final
consonant (ㄹ takes 로, not 으로), a number as it is read in Sino-Korean (3 삼
→ 은, 4 사 → 는), a Latin word by how English ends it. Without this a
sentence has to dodge the particle ("{name}: …") or print both forms, 은(는).
"""

from __future__ import annotations

import string
from typing import Any

# The after-a-consonant form -> the after-a-vowel form. (으)로 also follows ㄹ as 로.
PARTICLES = {"은": "는", "이": "가", "을": "를", "과": "와", "아": "야", "으로": "로"}
# Every spec accepted: either form names the pair.
_PAIRS = {form: pair for pair in PARTICLES.items() for form in pair}

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL = 8  # ㄹ's index among the final consonants

# The final sound of a number's last digit as read (영 일 이 삼 사 오 육 칠 팔 구):
# None for a vowel, "ㄹ", or "c" for any other consonant. A number ending in 0
# is read by its last power of ten (십, 백, 천, 만): a consonant too.
_DIGIT_ENDS: dict[str, str | None] = {
    "0": "c", "1": "ㄹ", "2": None, "3": "c", "4": None, "5": None, "6": "c", "7": "ㄹ", "8": "ㄹ", "9": None,
}  # fmt: skip
# English words: a final vowel letter is mostly a vowel sound ("Anna", "Lee"); l is ㄹ.
_LATIN_VOWELS = set("aeiouyw")


def final_sound(word: str) -> str | None:
    """How `word` ends when read aloud: None after a vowel, "ㄹ" after ㄹ, "c"
    after any other consonant. Trailing spaces and punctuation are ignored."""
    stripped = word.rstrip(" .,!?·)]\"'")
    if not stripped:
        return None
    last = stripped[-1]
    if _HANGUL_FIRST <= ord(last) <= _HANGUL_LAST:
        final = (ord(last) - _HANGUL_FIRST) % 28
        return None if final == 0 else "ㄹ" if final == _RIEUL else "c"
    if last.isdigit():
        return _DIGIT_ENDS[last]
    if last.isascii() and last.isalpha():
        lower = last.lower()
        return None if lower in _LATIN_VOWELS else "ㄹ" if lower == "l" else "c"
    return "c"  # a symbol: the form after a consonant reads acceptably either way


def with_particle(word: str, particle: str) -> str:
    """`word` followed by the form of `particle` (either of its forms) that suits it."""
    consonant, vowel = _PAIRS[particle]
    ends = final_sound(word)
    if consonant == "으로":
        return word + ("으로" if ends == "c" else "로")
    return word + (consonant if ends is not None else vowel)


class ParticleFormatter(string.Formatter):
    """str.format, where a format spec that is a particle attaches it to the value."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec in _PAIRS:
            return with_particle(str(value), format_spec)
        return str(super().format_field(value, format_spec))


FORMATTER = ParticleFormatter()
