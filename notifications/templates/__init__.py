"""Message templates (Jinja2) in the reader's language: the words come from the gettext
catalogues (hub.i18n: `_()` and `ngettext()` in the templates), amounts and dates are
formatted for the reader's locale by Babel.

Each shipped `<name>.j2` file has the blocks `subject`, `text` and, for debtor notices,
`sms`; it is rendered once per language with that language's catalogue. E-mail HTML is the
text laid out by `_email.html.j2`, so the two never disagree.

Finance keeps its own wording in a folder outside the code (HUB_TEMPLATES_DIR), one folder
per language: `<language>/<name>.j2` there replaces the shipped template of that name for
that language (a part such as `_owed.j2` too), and a new name in all five languages is a
template a rule file can use. `notifications.template_check`
checks such a folder before it is used. Templates run sandboxed: a template can format
the values it is given, not reach into the hub.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Any

from babel.dates import format_date as babel_date
from babel.numbers import format_currency
from jinja2 import BaseLoader
from jinja2 import Environment
from jinja2 import StrictUndefined
from jinja2 import Template
from jinja2 import TemplateNotFound
from jinja2 import pass_eval_context
from jinja2 import select_autoescape
from jinja2.filters import do_urlize
from jinja2.nodes import EvalContext
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from markupsafe import escape

from hub.domain.money import Money
from hub.domain.outbox import Rendered
from hub.i18n import N_
from hub.i18n import Text
from hub.i18n import gettext_for
from hub.i18n import translations

FOLDER = Path(__file__).resolve().parent
LANGUAGES = ("en", "nl", "de", "pl", "es")
LOCALES = {"en": "en_GB", "nl": "nl_NL", "de": "de_DE", "pl": "pl_PL", "es": "es_ES"}
DEBTOR_TEMPLATES = frozenset({"reminder-1", "reminder-2", "final-notice", "pre-legal",
                              "promise-confirmation", "plan-confirmation", "plan-in-review",
                              "instalment-reminder",
                              "dispute-received", "invoice-copy"})
STAFF_TEMPLATES = frozenset({"digest", "escalation", "collection-started"})
# the e-mail's portal button says only what the portal offers: online payment (a payment
# provider), the bank details and QR code (a creditor profile with an account), or neither
PORTAL_LABEL = N_("View and pay online")
PORTAL_LABEL_BANK = N_("View invoices and how to pay")
PORTAL_LABEL_VIEW = N_("View your invoices online")
QR_ALT = N_("QR code to pay by bank transfer")
QR_CID = "epc-qr@hub"  # the inline image part of an e-mail (notifications.email)
SMS_CHANNELS = frozenset({"sms", "whatsapp", "voice"})  # short text (the record)
NBSP = "\xa0"


def shipped_names() -> set[str]:
    """The shipped templates (each in every language, through the catalogues); `_owed` and
    the like are parts that the notices include, not templates of their own."""
    return {path.stem for path in FOLDER.glob("*.j2") if not path.stem.startswith("_")}


def names_in(folder: Path, language: str) -> set[str]:
    """Template names in one language folder of finance's own templates."""
    return {path.stem for path in (folder / language).glob("*.j2")
            if not path.stem.startswith("_")}


def known_templates(override: Path | None = None) -> frozenset[str]:
    """Every template name available in all five languages (shipped or in `override`)."""
    own = set.intersection(*(names_in(override, language) for language in LANGUAGES)) \
        if override else set()
    return frozenset(shipped_names() | own)


class _Loader(BaseLoader):
    """`<language>/<name>.j2` (and a bare `<name>.j2` from an include): finance's file for
    that language when there is one, else the shipped file, translated by the catalogue of
    the environment's language."""

    def __init__(self, language: str, override: Path | None) -> None:
        self.language = language
        self.override = override

    def get_source(self, environment: Environment, template: str  # noqa: ARG002
                   ) -> tuple[str, str, Callable[[], bool]]:
        folder, _, name = template.rpartition("/")
        if folder and folder not in LANGUAGES:
            raise TemplateNotFound(template)
        candidates = [FOLDER / name]
        if self.override is not None:
            candidates.insert(0, self.override / (folder or self.language) / name)
        found = next((path for path in candidates if path.is_file()), None)
        if found is None:
            raise TemplateNotFound(template)
        modified = found.stat().st_mtime
        return (found.read_text(encoding="utf-8"), str(found),
                lambda: found.stat().st_mtime == modified)


def language_of(language: str | None) -> str:
    """The supported language for a customer's language tag (nl-BE -> nl; unknown -> en)."""
    base = (language or "en").replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else "en"


def format_money(amount: Money, language: str) -> str:
    return _money_text(str(amount.amount), amount.currency, LOCALES[language_of(language)])


def format_day(day: date, language: str) -> str:
    return _day_text(day, LOCALES[language_of(language)])


# Babel formats an amount or a date in about 0.1 ms; a dispatcher batch formats the same
# dates and many of the same amounts over and over (issue 16).
@lru_cache(maxsize=8192)
def _money_text(amount: str, currency: str, locale: str) -> str:
    return format_currency(Decimal(amount), currency, locale=locale)


@lru_cache(maxsize=4096)
def _day_text(day: date, locale: str) -> str:
    return babel_date(day, "long", locale=locale)


@pass_eval_context
def _urlize(eval_ctx: EvalContext, value: str, *args: Any, **kwargs: Any) -> str:
    """Jinja's urlize, remembered per line: the e-mail layout runs it on every line of
    every message, and most lines are the same words for every debtor (issue 16)."""
    if args or kwargs:
        return do_urlize(eval_ctx, value, *args, **kwargs)
    return _urlize_line(eval_ctx, value, isinstance(value, Markup))


_URLIZED: dict[tuple[bool, bool, str], str] = {}  # every environment here: default policies


# what Jinja's urlize needs in a word to make it a link (default policies, no extra
# schemes): a line with none of these comes back escaped and unchanged
_LINK_HINTS = ("@", "://", "mailto:", "www.", ".com", ".net", ".org")


def _urlize_line(eval_ctx: EvalContext, value: str, markup: bool) -> str:
    if not any(hint in value for hint in _LINK_HINTS):
        escaped = escape(value)  # Markup, as urlize escapes
        return escaped if eval_ctx.autoescape else str(escaped)
    key = (eval_ctx.autoescape, markup, value)
    found = _URLIZED.get(key)
    if found is None:
        if len(_URLIZED) > 8192:
            _URLIZED.clear()
        found = _URLIZED[key] = do_urlize(eval_ctx, value)
    return found


@cache
def environment(override: Path | None = None, language: str = "en") -> Environment:
    """The Jinja environment of one language: `override` (finance's folder) first, then the
    shipped files, with `_()` and `ngettext()` from that language's catalogue."""
    env = SandboxedEnvironment(loader=_Loader(language_of(language), override),
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                               keep_trailing_newline=False, extensions=["jinja2.ext.i18n"],
                               autoescape=select_autoescape(["html.j2"], default=False))
    catalogue = translations(language)
    env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
    # a msgid kept as data (a next action), or a hub.i18n.Text, in this language
    env.filters["translated"] = lambda text: text.in_language(language) \
        if isinstance(text, Text) else catalogue.gettext(str(text))
    env.filters["urlize"] = _urlize
    return env


_PLAIN = frozenset({str, int, bool, float})


def _localise(value: Any, language: str) -> Any:
    """Money and dates become text in the reader's locale, recursively."""
    if value is None or type(value) in _PLAIN:  # most values: nothing to do
        return value
    if isinstance(value, Money):
        return format_money(value, language)
    if isinstance(value, date):
        return format_day(value, language)
    if isinstance(value, Mapping):
        return {key: _localise(item, language) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_localise(item, language) for item in value]
    return str(value) if isinstance(value, Decimal) else value


def _block(template: Template, name: str, context: Mapping[str, Any]) -> str | None:
    render = template.blocks.get(name)
    if render is None:
        return None
    return "".join(render(template.new_context(dict(context)))).strip()


def _html(subject: str, text: str, language: str, context: Mapping[str, Any],
          override: Path | None = None) -> str:
    blocks: list[dict[str, list[str]]] = []
    for paragraph in text.split("\n\n"):
        for is_item, run in groupby((line for line in paragraph.splitlines() if line.strip()),
                                    key=lambda line: line.startswith("- ")):
            lines = list(run)
            if is_item:
                blocks.append({"lines": [], "items": [line[2:] for line in lines]})
            else:
                blocks.append({"lines": lines, "items": []})
    layout = environment(override, language).get_template("_email.html.j2")
    return layout.render(language=language, subject=subject, blocks=blocks,
                         portal_link=context.get("portal_link"),
                         portal_label=portal_label(context, language),
                         qr_cid=QR_CID if (context.get("pay") or {}).get("qr") else "",
                         qr_alt=gettext_for(language, QR_ALT))


def portal_label(context: Mapping[str, Any], language: str) -> str:
    if context.get("pay_online"):
        return gettext_for(language, PORTAL_LABEL)
    if (context.get("pay") or {}).get("has_account"):
        return gettext_for(language, PORTAL_LABEL_BANK)
    return gettext_for(language, PORTAL_LABEL_VIEW)


class TemplateRenderer:
    """hub.ports.MessageRenderer over the files in this folder, and finance's own folder
    (`override`) where it has a file of the same name and language."""

    def __init__(self, override: Path | None = None) -> None:
        self.override = override.resolve() if override is not None else None

    def known_templates(self) -> frozenset[str]:
        return known_templates(self.override)

    def has_template(self, template: str, language: str) -> bool:
        name = f"{language_of(language)}/{template}.j2"
        return (FOLDER / f"{template}.j2").is_file() or \
            (self.override is not None and (self.override / name).is_file())

    def format_money(self, amount: Money, language: str) -> str:
        return format_money(amount, language)

    def format_date(self, day: date, language: str) -> str:
        return format_day(day, language)

    def render(self, template: str, language: str, channel: str,
               context: Mapping[str, Any]) -> Rendered:
        language = language_of(language)
        source = environment(self.override, language).get_template(f"{language}/{template}.j2")
        values = _localise(context, language)
        subject = _block(source, "subject", values) or template
        text = _block(source, "text", values) or ""
        if channel in SMS_CHANNELS:
            short = _block(source, "sms", values) or subject
            return Rendered(subject=subject, text=short.replace(NBSP, " "))
        html = _html(subject, text, language, values, self.override) \
            if channel in ("email", "graph_mail") else None
        return Rendered(subject=subject, text=text, html=html)
