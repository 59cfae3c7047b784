"""The reminder call's words and the keyed promise date."""

from __future__ import annotations

from datetime import date

import pytest

from hub.domain.errors import UserError
from hub.services.notify.phone import keyed_date
from hub.web.voice_text import TEXTS
from hub.web.voice_text import speak
from hub.web.voice_text import spoken_date


@pytest.mark.parametrize("language", ["en", "nl", "de", "pl", "es"])
def test_every_sentence_is_said_in_every_language(language: str) -> None:
    """(The catalogues' placeholders are checked by tests/unit/test_translations.py.)"""
    said = {key: speak(language, key, sender="S", customer="C", amount="A", date="D",
                       latest="L") for key in TEXTS}
    assert all(text.strip() for text in said.values())
    if language != "en":  # said in the caller's language, not in English
        assert all(said[key] != speak("en", key, sender="S", customer="C", amount="A",
                                      date="D", latest="L") for key in TEXTS)


def test_dates_are_said_the_way_each_voice_says_them() -> None:
    day = date(2026, 11, 30)
    assert [spoken_date(day, language) for language in ("en", "nl", "de", "pl", "es")] == [
        "30 November 2026", "30 november 2026", "30. November 2026", "30 listopada 2026",
        "30 de noviembre de 2026"]
    assert speak("fr", "call_back").startswith("Thank you.")  # a language the hub lacks


def test_the_keyed_date_is_the_next_such_day_within_the_limit() -> None:
    today = date(2026, 12, 28)
    assert keyed_date("3012", today=today, max_days_ahead=14) == date(2026, 12, 30)
    assert keyed_date("0501", today=today, max_days_ahead=14) == date(2027, 1, 5)
    with pytest.raises(UserError, match="more than 14 days ahead; the latest date is "
                                        "2027-01-11"):
        keyed_date("2001", today=today, max_days_ahead=14)
    with pytest.raises(UserError, match="31/02 is not a date"):
        keyed_date("3102", today=today, max_days_ahead=400)
    with pytest.raises(UserError, match="four digits"):
        keyed_date("12", today=today, max_days_ahead=14)
