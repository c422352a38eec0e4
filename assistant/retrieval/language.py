"""Tell which language a situation is written in, with lingua (a maintained detector), restricted to the
languages people here write in (``LANGUAGES``); and which model reads which language.

English goes to the configured sentence model; every other language to the multilingual one. Text with no
letters counts as English (nothing to read either way).
"""

from __future__ import annotations

import re
import threading

# The languages the detector chooses among, by ISO 639-1 code, with their names in English.
NAMES = {"en": "English", "lt": "Lithuanian", "ru": "Russian", "pl": "Polish", "uk": "Ukrainian",
         "lv": "Latvian", "et": "Estonian", "be": "Belarusian", "de": "German"}
# Below this confidence "English" is not believed: short texting in Latin letters is often another language.
ENGLISH_CONFIDENCE = 0.45
_LETTER = re.compile(r"[^\W\d_]")
_detector = None
_lock = threading.Lock()


def _build():
    global _detector
    with _lock:
        if _detector is None:
            from lingua import IsoCode639_1, LanguageDetectorBuilder

            codes = [getattr(IsoCode639_1, code.upper()) for code in NAMES]
            # Loaded whole at the start rather than language by language on first sight: the memory a
            # server uses is then flat from its first search (about 100 MB for these nine languages).
            _detector = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models().build()
    return _detector


def warm() -> None:
    """Load the detector's language models now rather than on the first search."""
    detect_language("warm up the detector")


def detect_language(text: str) -> str:
    """A code from ``NAMES``: the language the text is most likely written in."""
    return language_and_confidence(text)[0]


def language_and_confidence(text: str) -> tuple[str, float]:
    """The language's code and how sure the detector is (0-1; texting in Latin letters is often unsure:
    Russian typed in Latin letters reads as Estonian or Polish at 0.3)."""
    if not _LETTER.search(text or ""):
        return "en", 1.0
    values = _build().compute_language_confidence_values(text)
    if not values:
        return "en", 0.0
    best, confidence = values[0].language.iso_code_639_1.name.lower(), float(values[0].value)
    if best == "en" and confidence < ENGLISH_CONFIDENCE and len(values) > 1:
        return values[1].language.iso_code_639_1.name.lower(), float(values[1].value)
    return best, confidence


def model_reads(model: str, language: str) -> bool:
    """Whether a model can be trusted with a language: English always; others when the model's name
    says it is multilingual (paraphrase-multilingual-*, LaBSE, multilingual-e5-*, bge-m3, ...)."""
    if language == "en":
        return True
    return bool(re.search(r"multilingual|labse|xlm|bge-m3|\bm3\b|multi-qa-mpnet-base-dot-v1-multi", model, re.I))
