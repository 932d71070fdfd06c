"""Which Babel locale writes a language's dates and numbers.

The portal speaks French and English; its English-speaking users are mostly
customers of a French business, in Europe, so English is written the British
way (day before month). Kept out of the web layer so that documents made
without a request (letters, reminders) format as the pages do.
"""

from __future__ import annotations

#: The languages the portal speaks (pages, emails, documents), and the one it falls back to.
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

#: English speakers of a French business are mostly in Europe: day/month dates.
FORMAT_LOCALES = {"en": "en_GB"}


def format_locale(language: str) -> str:
    """The locale that formats `language`: "en" → "en_GB"; other languages as they are."""
    return FORMAT_LOCALES.get(language, language)
