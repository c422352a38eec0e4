"""The interface's words, one JSON file per language (en, lt, ru, pl, uk): every string a person reads.

``assistant/web/strings.py`` loads them; English is complete and any key a language lacks falls back to it.
"""
