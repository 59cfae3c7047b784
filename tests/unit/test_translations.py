"""The gettext catalogues (hub/locale) against the code: every message the code can show is
in every language, translated, not fuzzy, with the placeholders of the English text and the
language's number of plural forms (docs/translations.md)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from hub import i18n

ROOT = Path(__file__).resolve().parents[2]
# the hub's own helpers take the language first: gettext_for(language, message)
KEYWORDS = {**DEFAULT_KEYWORDS, "gettext_for": (2,), "ngettext_for": (2, 3),
            "lazy_gettext": None, "lazy_ngettext": (1, 2)}
MessageId = str | tuple[str, ...]


@cache
def extracted() -> dict[str, MessageId]:
    """What `pybabel extract -F babel.cfg` finds in the source: first msgid -> full id."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str, MessageId] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        first = message[0] if isinstance(message, tuple) else message
        if first:
            found[first] = message
    return found


@cache
def catalogue(language: str) -> Catalog:
    with i18n.catalogue_path(language).open("rb") as source:
        return read_po(source, locale=language)


def _messages(language: str) -> dict[str, MessageId]:
    return {(m.id[0] if isinstance(m.id, tuple) else m.id): m.id
            for m in catalogue(language) if m.id}


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_the_catalogue_holds_exactly_what_the_code_extracts(language: str) -> None:
    """A new string in the code, or one removed from it, fails here until the catalogues
    are updated (make translations)."""
    code, held = extracted(), _messages(language)
    assert sorted(set(code) - set(held)) == [], "not in the catalogue: run make translations"
    assert sorted(set(held) - set(code)) == [], "no longer in the code: run make translations"
    changed = {key for key in code if code[key] != held[key]}
    assert changed == set(), "singular/plural changed"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_message_is_translated_with_the_languages_plural_forms(language: str) -> None:
    found = catalogue(language)
    plurals = get_plural(language).num_plurals
    assert found.num_plurals == plurals
    untranslated, fuzzy, wrong_forms = [], [], []
    for message in found:
        if not message.id:
            continue
        if message.fuzzy:
            fuzzy.append(message.id)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s.strip() for s in strings):
            untranslated.append(message.id)
        if isinstance(message.id, tuple) and len(strings) != plurals:
            wrong_forms.append(message.id)
    assert (untranslated, fuzzy, wrong_forms) == ([], [], [])
    problems = [(message.id, [str(e) for e in errors]) for message, errors in found.check()]
    assert problems == [], "placeholders must match the English text"


def test_polish_has_three_plural_forms_and_english_two() -> None:
    assert get_plural("pl").num_plurals == 3
    assert i18n.ngettext_for("pl", "%(num)s day overdue", "%(num)s days overdue", 1) == \
        "1 dzień po terminie"
    assert i18n.ngettext_for("en", "%(num)s day overdue", "%(num)s days overdue", 1) == \
        "1 day overdue"
    assert i18n.ngettext_for("en", "%(num)s day overdue", "%(num)s days overdue", 2) == \
        "2 days overdue"


def test_a_language_not_offered_reads_english_and_a_region_its_language() -> None:
    assert i18n.gettext_for("fr", "Your invoices") == "Your invoices"
    assert i18n.gettext_for("nl-BE", "Your invoices") == "Uw facturen"
    assert i18n.gettext_for("de_AT", "Account %(code)s", code="K-1") == "Kundennummer K-1"
