"""Errors a user can cause. Their message says what is wrong and where.

A refusal may carry its text untranslated (`hub.i18n.lazy_gettext`): `str(error)` is the
English text and `error.message(language)` the reader's, chosen where it is shown."""

from __future__ import annotations

from hub.i18n import Text
from hub.i18n import in_language


class UserError(Exception):
    """Bad input from a person: shown as one clear message, never a traceback."""

    def __init__(self, text: str | Text = "", *args: object) -> None:
        super().__init__(text, *args)
        self.text = text

    def message(self, language: str | None) -> str:
        """The message in `language` (English for a text the code did not mark)."""
        return in_language(self.text, language) if not self.args[1:] else str(self)


class NotFound(UserError):
    """A named customer, invoice or payment does not exist."""


class RuleFileError(UserError):
    """A rule file that cannot go live; the message names the file, line and rule.

    The rules in force stay in force."""
