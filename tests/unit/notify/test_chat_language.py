"""Slack and Teams speak the reader's language: the promise modal in the Slack user's
locale, and each account's buttons in the staff language of the digest."""

from __future__ import annotations

from hub.services.notify.compose import account_buttons
from notifications.slack import promise_modal


def _modal(language: str) -> dict[str, object]:
    return promise_modal(code="ACME", name="Acme", balance="1.234,56 EUR", amount="1.234,56",
                         due_date="2026-11-30", latest="2026-12-07", metadata="",
                         language=language)


def test_the_promise_modal_asks_in_the_users_language() -> None:
    dutch = _modal("nl")
    assert dutch["title"] == {"type": "plain_text", "text": "Belofte vastleggen"}
    blocks = dutch["blocks"]
    assert isinstance(blocks, list)
    assert [block.get("label", {}).get("text") for block in blocks[1:]] == [
        "Beloofd bedrag", "Beloofde datum"]
    assert blocks[2]["hint"]["text"] == "Uiterlijk 2026-12-07"
    assert _modal("en")["title"] == {"type": "plain_text", "text": "Log promise"}


def test_slack_titles_fit_slacks_24_character_limit_in_every_language() -> None:
    for language in ("en", "nl", "de", "pl", "es"):
        modal = _modal(language)
        for part in ("title", "submit", "close"):
            text = modal[part]["text"]  # type: ignore[index]
            assert 0 < len(text) <= 24, (language, part, text)


def test_account_buttons_are_named_per_account_in_the_staff_language() -> None:
    labels = [button.label for button in account_buttons("ACME", "http://hub", "Acme", "de")]
    assert labels == ["Als kontaktiert markieren: Acme", "Zusage erfassen: Acme",
                      "3 Tage zurückstellen: Acme", "Als erledigt markieren: Acme",
                      "Acme im Hub öffnen"]
    assert [b.label for b in account_buttons("ACME", "http://hub", "Acme")][1] == \
        "Log promise: Acme"
