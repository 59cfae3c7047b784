"""A refusal raised deep in a service keeps its English text byte for byte (what tests and
logs read) and is translated where it is shown (hub.i18n.Text, hub.domain.errors)."""

from __future__ import annotations

import pickle
from datetime import date

from hub.domain.errors import UserError
from hub.i18n import lazy_gettext
from hub.i18n import lazy_join
from hub.i18n import lazy_ngettext


def test_the_english_text_is_the_string_and_the_reader_gets_their_language() -> None:
    text = lazy_gettext("the promised date %(due_date)s is in the past",
                        due_date=date(2026, 11, 1))
    assert text == "the promised date 2026-11-01 is in the past"
    error = UserError(text)
    assert str(error) == "the promised date 2026-11-01 is in the past"
    assert error.message("nl") == "de toegezegde datum 2026-11-01 ligt in het verleden"
    assert error.message("fr") == str(error)  # a language not offered: English
    assert UserError("plain words").message("de") == "plain words"


def test_placeholders_named_like_the_helpers_own_arguments_are_values() -> None:
    text = lazy_gettext("no invoice numbered %(number)s", number="'7'")
    assert text == "no invoice numbered '7'"
    assert text.in_language("de") == "keine Rechnung mit der Nummer '7'"


def test_plural_forms_are_chosen_in_the_readers_language() -> None:
    three = lazy_ngettext("usually pays %(num)s day late", "usually pays %(num)s days late", 3)
    assert three == "usually pays 3 days late"
    assert three.in_language("pl") == "zwykle płaci 3 dni po terminie"
    one = lazy_ngettext("opened %(num)s dispute", "opened %(num)s disputes", 1)
    assert (one, one.in_language("pl")) == ("opened 1 dispute", "otworzył 1 spór")


def test_nested_and_joined_texts_translate_every_part_and_survive_pickling() -> None:
    claims = lazy_join("; ", [lazy_gettext("invoice %(number)s, last day %(day)s",
                                           number=n, day="2026-12-31") for n in ("A", "B")])
    action = lazy_gettext("Act before the claim expires: %(claims)s", claims=claims)
    assert action == ("Act before the claim expires: invoice A, last day 2026-12-31; "
                      "invoice B, last day 2026-12-31")
    copied = pickle.loads(pickle.dumps(action))
    assert copied.in_language("es") == (
        "Actúe antes de que la deuda prescriba: factura A, último día 2026-12-31; "
        "factura B, último día 2026-12-31")
