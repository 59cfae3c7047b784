from __future__ import annotations

import pytest

from hub.domain.outbox import AddressError
from hub.domain.outbox import Delivery
from notifications.email import build_message
from notifications.email import check_address
from notifications.email import message_id


def test_international_domains_are_written_in_ascii() -> None:
    assert check_address(" ap@mateomartín.example ") == "ap@xn--mateomartn-s8a.example"


@pytest.mark.parametrize("address", ["nobody", "a b@example.com", "@example.com",
                                     "zoë@example.com"])
def test_unusable_addresses_say_why(address: str) -> None:
    with pytest.raises(AddressError, match=repr(address.strip())):
        check_address(address)


def test_the_message_id_follows_the_idempotency_key() -> None:
    delivery = Delivery(key="C1|reminder-1|2026-11-23|send", channel="email",
                        address="ap@example.com", subject="Herinnering", text="Tekst",
                        language="nl")
    first = build_message(delivery, "ar@hub.example")
    again = build_message(delivery, "ar@hub.example")
    assert first["Message-ID"] == again["Message-ID"] == message_id(delivery.key, "hub.example")
    assert first["Content-Language"] == "nl"
    assert first.get_content_type() == "text/plain"  # no HTML given: text only
