"""ISO 3166-1 alpha-2 country codes, and the time zone and language a new
customer gets when only its country is known. Kept as data so the domain needs
nothing outside the standard library."""

from __future__ import annotations

_ALPHA_2 = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
"""
COUNTRY_CODES: frozenset[str] = frozenset(_ALPHA_2.split())

# country: (IANA time zone of its capital or business centre, main language).
# Countries with several zones or languages get the most common business choice;
# the customers import sets both explicitly when that guess is wrong.
COUNTRY_DEFAULTS: dict[str, tuple[str, str]] = {
    "AT": ("Europe/Vienna", "de"), "AU": ("Australia/Sydney", "en"),
    "BE": ("Europe/Brussels", "nl"), "BG": ("Europe/Sofia", "bg"),
    "BR": ("America/Sao_Paulo", "pt"), "CA": ("America/Toronto", "en"),
    "CH": ("Europe/Zurich", "de"), "CN": ("Asia/Shanghai", "zh"),
    "CY": ("Asia/Nicosia", "el"), "CZ": ("Europe/Prague", "cs"),
    "DE": ("Europe/Berlin", "de"), "DK": ("Europe/Copenhagen", "da"),
    "EE": ("Europe/Tallinn", "et"), "ES": ("Europe/Madrid", "es"),
    "FI": ("Europe/Helsinki", "fi"), "FR": ("Europe/Paris", "fr"),
    "GB": ("Europe/London", "en"), "GR": ("Europe/Athens", "el"),
    "HR": ("Europe/Zagreb", "hr"), "HU": ("Europe/Budapest", "hu"),
    "IE": ("Europe/Dublin", "en"), "IN": ("Asia/Kolkata", "en"),
    "IS": ("Atlantic/Reykjavik", "is"), "IT": ("Europe/Rome", "it"),
    "JP": ("Asia/Tokyo", "ja"), "LT": ("Europe/Vilnius", "lt"),
    "LU": ("Europe/Luxembourg", "fr"), "LV": ("Europe/Riga", "lv"),
    "MT": ("Europe/Malta", "en"), "MX": ("America/Mexico_City", "es"),
    "NL": ("Europe/Amsterdam", "nl"), "NO": ("Europe/Oslo", "no"),
    "NZ": ("Pacific/Auckland", "en"), "PL": ("Europe/Warsaw", "pl"),
    "PT": ("Europe/Lisbon", "pt"), "RO": ("Europe/Bucharest", "ro"),
    "SE": ("Europe/Stockholm", "sv"), "SG": ("Asia/Singapore", "en"),
    "SI": ("Europe/Ljubljana", "sl"), "SK": ("Europe/Bratislava", "sk"),
    "TR": ("Europe/Istanbul", "tr"), "UA": ("Europe/Kyiv", "uk"),
    "US": ("America/New_York", "en"), "ZA": ("Africa/Johannesburg", "en"),
}

FALLBACK_DEFAULTS: tuple[str, str] = ("UTC", "en")


def country_defaults(country: str | None) -> tuple[str, str]:
    """(time zone, language) for a new customer in `country`; UTC and English if unknown."""
    if country is None:
        return FALLBACK_DEFAULTS
    return COUNTRY_DEFAULTS.get(country.upper(), FALLBACK_DEFAULTS)
