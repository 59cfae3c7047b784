"""The e-mail's portal button says only what the portal offers: online payment where a
payment provider is set up, bank details where the creditor has an account, else viewing."""

from __future__ import annotations

import pytest

from hub.i18n import gettext_for
from notifications.templates import LANGUAGES
from notifications.templates import PORTAL_LABEL
from notifications.templates import PORTAL_LABEL_BANK
from notifications.templates import PORTAL_LABEL_VIEW
from notifications.templates import portal_label


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_button_promises_payment_only_where_the_portal_takes_it(language: str) -> None:
    online = portal_label({"pay_online": True, "pay": {"has_account": True}}, language)
    bank = portal_label({"pay_online": False, "pay": {"has_account": True}}, language)
    view = portal_label({"pay": None}, language)
    assert online == gettext_for(language, PORTAL_LABEL)
    assert bank == gettext_for(language, PORTAL_LABEL_BANK)
    assert view == gettext_for(language, PORTAL_LABEL_VIEW)
    assert len({online, bank, view}) == 3


def test_the_button_speaks_the_readers_language() -> None:
    assert portal_label({"pay_online": True}, "nl") == "Bekijken en betalen"
    assert portal_label({"pay": None}, "de") == "Rechnungen online ansehen"
