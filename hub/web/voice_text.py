"""What a reminder call says (the keypad menu of hub.web.twilio_hooks): English msgids
whose Dutch, German, Polish and Spanish are in the catalogues (hub.i18n)."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_date

from hub.domain.portal import LANGUAGES
from hub.i18n import N_
from hub.i18n import gettext_for

# the voices Twilio speaks with (en-GB...): dates said the way those speakers say them
LOCALES = {"en": "en_GB", "nl": "nl_NL", "de": "de_DE", "pl": "pl_PL", "es": "es_ES"}

# key: the English msgid (hub.i18n catalogues hold every language)
TEXTS: dict[str, str] = {
    "intro": N_("Hello, this is %(sender)s calling for %(customer)s. %(amount)s is overdue."),
    "menu": N_("Press 1 to promise to pay by a date. Press 2 to be called back by a collector. "
                   "Press 3 if you dispute the invoices."),
    "no_input": N_("We did not hear a choice. Goodbye."),
    "ask_date": N_("Key the day and the month you will pay by, four digits: for the 5th of "
                   "March, 0 5 0 3. The latest date is %(latest)s."),
    "bad_date": N_("That date cannot be used."),
    "confirm": N_("You promise to pay %(amount)s by %(date)s. Press 1 to confirm, or 2 to key "
                   "another date."),
    "promised": N_("Thank you. Your promise to pay by %(date)s is recorded; we will not remind you "
                   "before then. Goodbye."),
    "call_back": N_("Thank you. A collector will call you back. Goodbye."),
    "disputed": N_("Thank you. We have put the reminders on hold and a colleague will call you to "
                   "hear what is wrong. Goodbye."),
    "nothing_owed": N_("Your account has nothing overdue any more. Thank you. Goodbye."),
    "unknown_call": N_("This call can no longer be answered. Goodbye."),
}


def _base(language: str) -> str:
    base = language.replace("_", "-").split("-", maxsplit=1)[0].lower()
    return base if base in LANGUAGES else "en"


def speak(language: str, key: str, **values: Any) -> str:
    """The sentence in the debtor's language (English for one the hub does not speak)."""
    return gettext_for(_base(language), TEXTS[key], **values)


def spoken_date(day: date, language: str) -> str:
    """'30 November 2026', '30. November 2026', '30 listopada 2026'..."""
    return format_date(day, "long", locale=LOCALES[_base(language)])
