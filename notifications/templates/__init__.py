"""Message templates per name and language (Jinja2), with amounts and dates formatted for
the reader's locale by Babel.

Each `<language>/<name>.j2` file has the blocks `subject`, `text` and, for debtor notices,
`sms`. E-mail HTML is the text laid out by `_email.html.j2`, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from itertools import groupby
from pathlib import Path
from typing import Any

from babel.dates import format_date as babel_date
from babel.numbers import format_currency
from jinja2 import Environment
from jinja2 import FileSystemLoader
from jinja2 import StrictUndefined
from jinja2 import Template
from jinja2 import select_autoescape

from hub.domain.money import Money
from hub.domain.outbox import Rendered

FOLDER = Path(__file__).resolve().parent
LANGUAGES = ("en", "nl", "de", "pl", "es")
LOCALES = {"en": "en_GB", "nl": "nl_NL", "de": "de_DE", "pl": "pl_PL", "es": "es_ES"}
DEBTOR_TEMPLATES = frozenset({"reminder-1", "reminder-2", "final-notice", "pre-legal",
                              "promise-confirmation", "plan-confirmation", "plan-in-review",
                              "instalment-reminder",
                              "dispute-received"})
STAFF_TEMPLATES = frozenset({"digest", "escalation", "collection-started"})
PORTAL_LABEL = {"en": "View and pay online", "nl": "Bekijken en betalen", "de": "Online ansehen "
                "und bezahlen", "pl": "Zobacz i zapłać online", "es": "Ver y pagar en línea"}
SMS_CHANNELS = frozenset({"sms"})
NBSP = "\xa0"


def known_templates() -> frozenset[str]:
    """Every template name available in all five languages."""
    names = [{path.stem for path in (FOLDER / language).glob("*.j2")
              if not path.stem.startswith("_")}  # `_owed`: parts the notices include
             for language in LANGUAGES]
    return frozenset(set.intersection(*names))


def language_of(language: str | None) -> str:
    """The supported language for a customer's language tag (nl-BE -> nl; unknown -> en)."""
    base = (language or "en").replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else "en"


def format_money(amount: Money, language: str) -> str:
    return format_currency(amount.amount, amount.currency, locale=LOCALES[language_of(language)])


def format_day(day: date, language: str) -> str:
    return babel_date(day, "long", locale=LOCALES[language_of(language)])


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(FOLDER), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
                       autoescape=select_autoescape(["html.j2"], default=False))


def _localise(value: Any, language: str) -> Any:
    """Money and dates become text in the reader's locale, recursively."""
    if isinstance(value, Money):
        return format_money(value, language)
    if isinstance(value, date):
        return format_day(value, language)
    if isinstance(value, Mapping):
        return {key: _localise(item, language) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_localise(item, language) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def _block(template: Template, name: str, context: Mapping[str, Any]) -> str | None:
    render = template.blocks.get(name)
    if render is None:
        return None
    return "".join(render(template.new_context(dict(context)))).strip()


def _html(subject: str, text: str, language: str, context: Mapping[str, Any]) -> str:
    blocks: list[dict[str, list[str]]] = []
    for paragraph in text.split("\n\n"):
        for is_item, run in groupby((line for line in paragraph.splitlines() if line.strip()),
                                    key=lambda line: line.startswith("- ")):
            lines = list(run)
            if is_item:
                blocks.append({"lines": [], "items": [line[2:] for line in lines]})
            else:
                blocks.append({"lines": lines, "items": []})
    layout = _environment().get_template("_email.html.j2")
    return layout.render(language=language, subject=subject, blocks=blocks,
                         portal_link=context.get("portal_link"),
                         portal_label=PORTAL_LABEL[language])


class TemplateRenderer:
    """hub.ports.MessageRenderer over the files in this folder."""

    def known_templates(self) -> frozenset[str]:
        return known_templates()

    def has_template(self, template: str, language: str) -> bool:
        return (FOLDER / language_of(language) / f"{template}.j2").is_file()

    def format_money(self, amount: Money, language: str) -> str:
        return format_money(amount, language)

    def format_date(self, day: date, language: str) -> str:
        return format_day(day, language)

    def render(self, template: str, language: str, channel: str,
               context: Mapping[str, Any]) -> Rendered:
        language = language_of(language)
        source = _environment().get_template(f"{language}/{template}.j2")
        values = _localise(context, language)
        subject = _block(source, "subject", values) or template
        text = _block(source, "text", values) or ""
        if channel in SMS_CHANNELS:
            short = _block(source, "sms", values) or subject
            return Rendered(subject=subject, text=short.replace(NBSP, " "))
        html = _html(subject, text, language, values) if channel in ("email", "graph_mail") \
            else None
        return Rendered(subject=subject, text=text, html=html)
