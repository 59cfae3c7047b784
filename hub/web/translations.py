"""Flask-Babel for the web app, over the hub's own catalogues (hub.i18n): `_()` and
`ngettext()` in templates and `flask_babel.gettext` in views speak the request's language.

The language of a request: the debtor's on the portal (set by the portal view with
`use_language`, from the link's customer or `?lang=`), otherwise the staff language
(HUB_STAFF_LANGUAGE, English by default).
"""

from __future__ import annotations

from typing import Any
from typing import cast

import flask_babel
from babel.support import Translations
from flask import Flask
from flask import current_app
from flask import g
from flask import request
from flask_babel import Babel
from flask_babel import Domain
from flask_babel import get_locale
from flask_babel import get_translations
from flask_babel import refresh
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from hub import i18n
from hub.bootstrap import Hub
from hub.domain.errors import UserError


class HubDomain(Domain):  # type: ignore[misc]  # Flask-Babel has no type hints
    """Flask-Babel's domain reading the catalogues compiled by hub.i18n (from the `.po`
    files), instead of `.mo` files next to the app."""

    def get_translations(self) -> Translations:
        return i18n.translations(str(get_locale() or i18n.DEFAULT))


class HubBabel(Babel):  # type: ignore[misc]
    @property
    def domain_instance(self) -> Domain:
        return _DOMAIN


_DOMAIN = HubDomain()


def select_language() -> str:
    chosen = g.get("hub_language")
    if chosen:
        return str(chosen)
    hub: Hub = current_app.extensions["hub"]
    return i18n.language_of(hub.settings.staff_language)


def use_language(language: str) -> str:
    """Make `language` this request's language (the portal: the debtor's)."""
    g.hub_language = i18n.language_of(language)
    refresh()
    g.pop("hub_translations", None)
    return str(g.hub_language)


def _(message: str, /, **values: Any) -> str:
    """Flask-Babel's gettext, typed: `message` in the request's language."""
    return str(flask_babel.gettext(message, **values))


def ngettext(singular: str, plural: str, num: int, /, **values: Any) -> str:
    """Flask-Babel's ngettext, typed: the request's language's form for `num`."""
    return str(flask_babel.ngettext(singular, plural, num, **values))


def current_language() -> str:
    """The language of this request's pages (the debtor's on the portal, else the staff's)."""
    return str(get_locale() or i18n.DEFAULT)


def reader_language() -> str:
    """Who reads this answer: an API client in the language its Accept-Language asks for,
    a page in the request's language."""
    if request.path.startswith("/api/"):
        asked = request.accept_languages.best_match(i18n.LANGUAGES)
        if asked:
            return str(asked)
    return current_language()


def refusal(error: UserError) -> str:
    """A refusal raised by a service, in the reader's language."""
    return error.message(reader_language())


def translated(text: object) -> str:
    """A msgid kept as data (`N_`), or a `Text`, in the request's language."""
    if isinstance(text, i18n.Text):
        return text.in_language(current_language())
    return str(request_translations().gettext(str(text)))


def request_translations() -> Translations:
    """The request's catalogue, looked up once per request (until `use_language`): a page
    calls `_()` hundreds of times, and Flask-Babel finds the locale and the catalogue
    afresh for each (issue 16)."""
    if not g:  # no app context: Flask-Babel's own answer (no translation)
        return cast(Translations, get_translations())
    found = g.get("hub_translations")
    if found is None:
        found = g.hub_translations = get_translations()
    return cast(Translations, found)


# Jinja's own newstyle `_()`/`gettext()`/`ngettext()` take the template context, and a
# call inside a `{% for %}` loop then builds a derived context for every call (twice, via
# the `_` alias); these take the evaluation context only and do the same: translate in
# the request's language, mark safe under autoescape, then fill in the (escaped) values
# (the catalogues' text is trusted as Jinja's own gettext trusts it: S704).


@pass_eval_context
def _gettext(eval_ctx: EvalContext, string: str, **variables: Any) -> str:
    found = request_translations().ugettext(string)
    return (Markup(found) if eval_ctx.autoescape else found) % variables  # noqa: S704


@pass_eval_context
def _ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int,
              **variables: Any) -> str:
    variables.setdefault("num", num)
    found = request_translations().ungettext(singular, plural, num)
    return (Markup(found) if eval_ctx.autoescape else found) % variables  # noqa: S704


def install_translations(app: Flask) -> None:
    HubBabel(app, locale_selector=select_language)
    app.jinja_env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext)
    app.jinja_env.globals["current_language"] = current_language
    # a msgid kept as data (a task's suggested action, a report's column), or a `Text`:
    # shown in the request's language
    app.jinja_env.filters["translated"] = translated
