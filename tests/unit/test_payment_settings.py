"""The online-payment settings say what is wrong, by variable, before anything runs."""

from __future__ import annotations

import pytest

from hub.config import ConfigError
from hub.config import Settings
from hub.domain.checkout import methods_for

KEY = {"HUB_STRIPE_SECRET_KEY": "sk_test_abc", "HUB_STRIPE_WEBHOOK_SECRET": "whsec_abc"}


def test_online_payment_is_off_until_a_key_is_set() -> None:
    assert not Settings.from_env({}).payments.enabled
    on = Settings.from_env({**KEY, "HUB_STRIPE_METHODS": "card, iDEAL,bancontact"}).payments
    assert on.enabled
    assert on.methods == ("card", "ideal", "bancontact")


@pytest.mark.parametrize(("env", "named"), [
    ({"HUB_STRIPE_SECRET_KEY": "sk_test_abc"}, "HUB_STRIPE_WEBHOOK_SECRET"),
    ({**KEY, "HUB_STRIPE_SECRET_KEY": "pk_test_abc"}, "HUB_STRIPE_SECRET_KEY"),
    ({**KEY, "HUB_STRIPE_METHODS": "card,paypal"}, "HUB_STRIPE_METHODS"),
    ({**KEY, "HUB_STRIPE_METHODS": " , "}, "HUB_STRIPE_METHODS"),
    ({**KEY, "HUB_STRIPE_API_URL": "api.stripe.com"}, "HUB_STRIPE_API_URL"),
])
def test_a_bad_payment_setting_names_its_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(env)


def test_ideal_and_bancontact_are_offered_for_euro_invoices_only() -> None:
    wanted = ("card", "ideal", "bancontact")
    assert methods_for("EUR", wanted) == wanted
    assert methods_for("GBP", wanted) == ("card",)
    assert methods_for("USD", ("ideal",)) == ()
