"""The envelope decides the layout: the recipient's country first, the letter's language
when the country has no layout of its own."""

from __future__ import annotations

from notifications.letter_layout import DIN_5008_B
from notifications.letter_layout import LAYOUTS
from notifications.letter_layout import layout_for


def test_the_recipients_country_picks_the_layout_then_the_language() -> None:
    assert layout_for("DE", "en") is DIN_5008_B
    assert layout_for("gb", "de") is LAYOUTS["gb"]
    assert layout_for("FR", "pl") is LAYOUTS["pl"]
    assert layout_for(None, "es") is LAYOUTS["es"]
    assert layout_for("", "xx") is LAYOUTS["gb"]


def test_every_layout_fits_a_left_window_dl_envelope() -> None:
    for layout in LAYOUTS.values():
        assert (layout.window_x, layout.window_y, layout.window_w, layout.window_h) == \
            (20.0, 45.0, 85.0, 45.0)
        assert layout.address_y == 45.0 + 17.7
        assert layout.fold_marks == (105.0, 210.0)
        assert layout.hole_mark == 148.5
        assert layout.info_x >= layout.window_x + layout.window_w
