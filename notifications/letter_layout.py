"""Where things sit on a business letter, per country, in millimetres from the top left of
an A4 sheet: the positions a window envelope and a print room's folding machine expect.

DIN 5008 form B (German letters) is the reference geometry: the address field starts 45 mm
from the top and 20 mm from the left and is 85 x 45 mm; its first 17.7 mm (five lines) is
the remark zone with the return address line, the recipient's address follows in the
nine-line address zone. The information block (date, customer number, reference) starts
125 mm from the left, 50 mm from the top; fold marks at 105 and 210 mm, the hole mark at
148.5 mm. A DL window envelope (window on the left, 20 mm from the edge) shows exactly
this field.

nl, pl, es and en-GB letters are laid out for the same left-window DL envelope, so one
print room stuffs every letter into one kind of envelope; only the words and the date
format change. A right-hand window (the C5/6 envelopes some UK senders use) is not
supported: the address would show through the wrong side.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.i18n import LANGUAGES
from hub.i18n import N_
from hub.i18n import gettext_for


@dataclass(frozen=True, slots=True)
class Layout:
    norm: str  # what the geometry follows, for the documentation and tests
    window_x: float = 20.0
    window_y: float = 45.0
    window_w: float = 85.0
    window_h: float = 45.0
    remark_zone_h: float = 17.7  # the return address line sits at its bottom
    info_x: float = 125.0
    info_y: float = 50.0
    subject_y: float = 98.5  # two blank lines below the address field
    fold_marks: tuple[float, ...] = (105.0, 210.0)
    hole_mark: float | None = 148.5
    margin_left: float = 25.0  # DIN 5008: text starts 25 mm from the left edge
    margin_right: float = 20.0

    @property
    def address_y(self) -> float:
        return self.window_y + self.remark_zone_h


DIN_5008_B = Layout(norm="DIN 5008 form B")
LAYOUTS = {
    "de": DIN_5008_B,
    "at": DIN_5008_B,
    "ch": DIN_5008_B,
    "nl": Layout(norm="DL window envelope, left window (DIN 5008 B geometry)"),
    "be": Layout(norm="DL window envelope, left window (DIN 5008 B geometry)"),
    "pl": Layout(norm="DL window envelope, left window (DIN 5008 B geometry)"),
    "es": Layout(norm="DL window envelope, left window (DIN 5008 B geometry)"),
    "gb": Layout(norm="DL window envelope, left window (DIN 5008 B geometry)",
                 margin_left=20.0),
}
# the letter's language when the recipient's country is not in LAYOUTS
LANGUAGE_COUNTRY = {"de": "de", "nl": "nl", "pl": "pl", "es": "es", "en": "gb"}


def layout_for(country: str | None, language: str) -> Layout:
    """The recipient's country decides (the envelope goes to its post); else the
    letter's language."""
    key = (country or "").strip().lower()
    if key in LAYOUTS:
        return LAYOUTS[key]
    return LAYOUTS.get(LANGUAGE_COUNTRY.get(language, "gb"), DIN_5008_B)


# the information block beside the address window: date, customer number, reference
# (the words are in the catalogues, hub.i18n; these are their translations per language)
INFO_LABELS = {language: tuple(gettext_for(language, label) for label in (
    N_("Date"), N_("Customer number"), N_("Payment reference"))) for language in LANGUAGES}
PAGE_LABELS = {language: gettext_for(language, "Page %(page)s of %(pages)s",
                                     page="{page}", pages="{pages}") for language in LANGUAGES}
