"""Translations: one gettext catalogue per language (`hub/locale/<language>/LC_MESSAGES/
messages.po`) for every word a person reads: the portal, e-mails, digests, sheets and the
staff web app (docs/translations.md).

The `.po` files are the only source: they are compiled in memory on first use (Babel's
`write_mo`), so a fresh clone needs no `pybabel compile` step and a stale `.mo` can never
win over the text in the repository. Fuzzy entries are left out, as `pybabel compile` would.

Messages use English as the msgid and `%(name)s` placeholders (one style for Python and
Jinja): `gettext_for("nl", "Account %(code)s", code="C-1")`, and `ngettext_for` picks the plural
form of the language (Polish has three: 1 konto, 2 konta, 5 kont).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:  # Babel is imported on first translation: not at every command's start
    from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
LANGUAGES: tuple[str, ...] = ("en", "nl", "de", "pl", "es")
DEFAULT = "en"


def N_(message: str) -> str:
    """Marks a msgid for extraction where it is translated later (tables, dataclasses)."""
    return message


def language_of(tag: str | None) -> str:
    """The offered language for a tag (`nl-BE` and `nl_NL` -> `nl`; unknown -> `en`)."""
    base = (tag or DEFAULT).replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str | None) -> Translations:
    """The compiled catalogue of `language` (English for a language not offered)."""
    from babel.messages.mofile import write_mo  # noqa: PLC0415
    from babel.messages.pofile import read_po  # noqa: PLC0415
    from babel.support import Translations  # noqa: PLC0415

    language = language_of(language)
    with catalogue_path(language).open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext_for(language: str | None, message: str, **values: Any) -> str:
    """`message` in `language`, with `values` put into its `%(name)s` placeholders."""
    text = translations(language).gettext(message)
    return text % values if values else text


def ngettext_for(language: str | None, singular: str, plural: str, number: int,
             **values: Any) -> str:
    """The form of the message for `number` in `language`; `%(num)s` is the number."""
    values.setdefault("num", number)
    return translations(language).ngettext(singular, plural, number) % values


class Text(str):
    """A message kept in English until it is shown, then translated into the reader's
    language where it is read (a refusal raised deep in a service: the web shows it in the
    request's language, the API in the one asked for, the CLI in the configured one).

    It is the English text itself (a `str`, byte for byte what the code wrote, so it
    compares, joins and prints as before); `in_language(lang)` gives the reader's. Written
    as `lazy_gettext("...%(x)s", x=...)` or `lazy_ngettext(singular, plural, number, ...)`
    so `pybabel extract` finds the msgid. A value that is itself a `Text` is translated too.
    """

    singular: str
    plural: str | None
    number: int | None
    values: dict[str, Any]

    def __new__(cls, singular: str, plural: str | None = None, number: int | None = None, /,
                **values: Any) -> Text:
        if plural is not None:
            values.setdefault("num", number)
        chosen = singular if plural is None or number == 1 else plural
        made = super().__new__(cls, chosen % values if values else chosen)
        made.singular, made.plural, made.number, made.values = singular, plural, number, values
        return made

    def in_language(self, language: str | None) -> str:
        if self.plural is not None:
            text = translations(language).ngettext(self.singular, self.plural,
                                                   int(self.number or 0))
        else:
            text = translations(language).gettext(self.singular)
        if not self.values:
            return str(text)
        values = {name: in_language(value, language) if isinstance(value, Text) else value
                  for name, value in self.values.items()}
        return str(text % values)


def lazy_gettext(message: str, /, **values: Any) -> Text:
    """`message` translated later, in the language of whoever reads it."""
    return Text(message, **values)


def lazy_ngettext(singular: str, plural: str, number: int, /, **values: Any) -> Text:
    """The plural form for `number`, chosen later in the reader's language."""
    return Text(singular, plural, number, **values)


def lazy_join(separator: str, parts: Sequence[str]) -> str:
    """`separator.join(parts)` that stays translatable when the parts are `Text`s."""
    if not parts:
        return ""
    joined = parts[0]
    for part in parts[1:]:
        joined = Text("%(first)s" + separator.replace("%", "%%") + "%(then)s", first=joined,
                      then=part)
    return joined


def in_language(text: object, language: str | None) -> str:
    """A `Text` in `language`; anything else (a plain string) as it is."""
    return text.in_language(language) if isinstance(text, Text) else str(text)
