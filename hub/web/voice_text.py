"""What a reminder call says, in English, Dutch, German, Polish and Spanish (the keypad
menu of hub.web.twilio_hooks). Placeholders use str.format names; every language has
every key (a unit test checks it)."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_date

from hub.domain.portal import LANGUAGES

# the voices Twilio speaks with (en-GB...): dates said the way those speakers say them
LOCALES = {"en": "en_GB", "nl": "nl_NL", "de": "de_DE", "pl": "pl_PL", "es": "es_ES"}

# key: (en, nl, de, pl, es)
TEXTS: dict[str, tuple[str, str, str, str, str]] = {
    "intro": (
        "Hello, this is {sender} calling for {customer}. {amount} is overdue.",
        "Goedendag, u wordt gebeld door {sender} voor {customer}. {amount} is achterstallig.",
        "Guten Tag, hier spricht {sender} für {customer}. {amount} sind überfällig.",
        "Dzień dobry, dzwoni {sender} w sprawie {customer}. Zaległa kwota to {amount}.",
        "Buenos días, le llama {sender} en relación con {customer}. {amount} está vencido."),
    "menu": (
        "Press 1 to promise to pay by a date. Press 2 to be called back by a collector. "
        "Press 3 if you dispute the invoices.",
        "Toets 1 om te beloven dat u op een datum betaalt. Toets 2 om teruggebeld te worden "
        "door een medewerker. Toets 3 als u het niet eens bent met de facturen.",
        "Drücken Sie die 1, um die Zahlung bis zu einem Datum zuzusagen. Drücken Sie die 2 für "
        "einen Rückruf. Drücken Sie die 3, wenn Sie die Rechnungen beanstanden.",
        "Naciśnij 1, aby obiecać zapłatę do wybranego dnia. Naciśnij 2, aby konsultant "
        "oddzwonił. Naciśnij 3, jeśli kwestionujesz faktury.",
        "Pulse 1 para prometer el pago en una fecha. Pulse 2 para que le llame un gestor. "
        "Pulse 3 si no está de acuerdo con las facturas."),
    "no_input": ("We did not hear a choice. Goodbye.", "We hebben geen keuze gehoord. Tot ziens.",
                 "Wir haben keine Auswahl gehört. Auf Wiederhören.",
                 "Nie wybrano żadnej opcji. Do widzenia.", "No hemos recibido ninguna opción. "
                 "Adiós."),
    "ask_date": (
        "Key the day and the month you will pay by, four digits: for the 5th of March, "
        "0 5 0 3. The latest date is {latest}.",
        "Toets de dag en de maand waarop u betaalt, vier cijfers: voor 5 maart 0 5 0 3. "
        "De laatste datum is {latest}.",
        "Geben Sie Tag und Monat der Zahlung ein, vier Ziffern: für den 5. März 0 5 0 3. "
        "Das späteste Datum ist der {latest}.",
        "Wpisz dzień i miesiąc zapłaty, cztery cyfry: dla 5 marca 0 5 0 3. "
        "Najpóźniejsza data to {latest}.",
        "Marque el día y el mes de pago, cuatro cifras: para el 5 de marzo, 0 5 0 3. "
        "La fecha más tardía es el {latest}."),
    "bad_date": ("That date cannot be used.", "Die datum kan niet worden gebruikt.",
                 "Dieses Datum ist nicht möglich.", "Tej daty nie można użyć.",
                 "Esa fecha no es válida."),
    "confirm": (
        "You promise to pay {amount} by {date}. Press 1 to confirm, or 2 to key another date.",
        "U belooft {amount} te betalen vóór {date}. Toets 1 om te bevestigen of 2 voor een "
        "andere datum.",
        "Sie sagen zu, {amount} bis zum {date} zu zahlen. Drücken Sie die 1 zur Bestätigung "
        "oder die 2 für ein anderes Datum.",
        "Obiecujesz zapłacić {amount} do {date}. Naciśnij 1, aby potwierdzić, lub 2, aby "
        "wpisać inną datę.",
        "Promete pagar {amount} antes del {date}. Pulse 1 para confirmar o 2 para marcar otra "
        "fecha."),
    "promised": (
        "Thank you. Your promise to pay by {date} is recorded; we will not remind you before "
        "then. Goodbye.",
        "Dank u. Uw belofte om vóór {date} te betalen is vastgelegd; tot dan sturen we geen "
        "herinnering. Tot ziens.",
        "Vielen Dank. Ihre Zusage, bis zum {date} zu zahlen, ist notiert; bis dahin erinnern "
        "wir Sie nicht. Auf Wiederhören.",
        "Dziękujemy. Twoja obietnica zapłaty do {date} została zapisana; do tego dnia nie "
        "wyślemy przypomnienia. Do widzenia.",
        "Gracias. Su promesa de pago antes del {date} queda registrada; no le recordaremos "
        "nada antes de esa fecha. Adiós."),
    "call_back": (
        "Thank you. A collector will call you back. Goodbye.",
        "Dank u. Een medewerker belt u terug. Tot ziens.",
        "Vielen Dank. Ein Mitarbeiter ruft Sie zurück. Auf Wiederhören.",
        "Dziękujemy. Konsultant oddzwoni do Ciebie. Do widzenia.",
        "Gracias. Un gestor le devolverá la llamada. Adiós."),
    "disputed": (
        "Thank you. We have put the reminders on hold and a colleague will call you to hear "
        "what is wrong. Goodbye.",
        "Dank u. We sturen voorlopig geen herinneringen en een collega belt u om te horen wat "
        "er mis is. Tot ziens.",
        "Vielen Dank. Wir setzen die Mahnungen aus, und ein Kollege ruft Sie an, um zu "
        "erfahren, was nicht stimmt. Auf Wiederhören.",
        "Dziękujemy. Wstrzymaliśmy przypomnienia, a nasz pracownik zadzwoni, aby dowiedzieć "
        "się, co jest nie tak. Do widzenia.",
        "Gracias. Hemos suspendido los recordatorios y un compañero le llamará para saber qué "
        "ocurre. Adiós."),
    "nothing_owed": (
        "Your account has nothing overdue any more. Thank you. Goodbye.",
        "Er staat niets meer open op uw rekening. Dank u. Tot ziens.",
        "Auf Ihrem Konto ist nichts mehr überfällig. Vielen Dank. Auf Wiederhören.",
        "Na Twoim koncie nie ma już zaległości. Dziękujemy. Do widzenia.",
        "Su cuenta ya no tiene importes vencidos. Gracias. Adiós."),
    "unknown_call": (
        "This call can no longer be answered. Goodbye.",
        "Op deze oproep kan niet meer worden gereageerd. Tot ziens.",
        "Auf diesen Anruf kann nicht mehr geantwortet werden. Auf Wiederhören.",
        "Na to połączenie nie można już odpowiedzieć. Do widzenia.",
        "Ya no se puede responder a esta llamada. Adiós."),
}


def _base(language: str) -> str:
    base = language.replace("_", "-").split("-", maxsplit=1)[0].lower()
    return base if base in LANGUAGES else "en"


def speak(language: str, key: str, **values: Any) -> str:
    """The sentence in the debtor's language (English for one the hub does not speak)."""
    return TEXTS[key][LANGUAGES.index(_base(language))].format(**values)


def spoken_date(day: date, language: str) -> str:
    """'30 November 2026', '30. November 2026', '30 listopada 2026'..."""
    return format_date(day, "long", locale=LOCALES[_base(language)])
