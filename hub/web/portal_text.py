"""The debtor portal's words in English, Dutch, German, Polish and Spanish.

Amounts and dates are formatted by Babel (the format_* functions below).
Placeholders use str.format names; every language has every key (a unit test checks it).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date as babel_date
from babel.numbers import format_currency
from babel.numbers import format_decimal

from hub.domain.money import Money
from hub.domain.portal import LANGUAGES

# key: (en, nl, de, pl, es)
TEXTS: dict[str, tuple[str, str, str, str, str]] = {
    "title": ("Your invoices", "Uw facturen", "Ihre Rechnungen", "Twoje faktury", "Sus facturas"),
    "account": ("Account {code}", "Klantnummer {code}", "Kundennummer {code}",
                "Numer klienta {code}", "Cliente {code}"),
    "pay_title": ("How to pay", "Zo betaalt u", "So bezahlen Sie", "Jak zapłacić", "Cómo pagar"),
    "pay_transfer": ("Pay {amount} by bank transfer to:", "Maak {amount} over naar:",
                     "Überweisen Sie {amount} an:", "Przelej {amount} na rachunek:",
                     "Transfiera {amount} a:"),
    "pay_reference_only": ("Please quote this reference with your payment:",
                           "Vermeld dit kenmerk bij uw betaling:",
                           "Bitte geben Sie diesen Verwendungszweck bei der Zahlung an:",
                           "Prosimy podać ten tytuł przy płatności:",
                           "Indique esta referencia con su pago:"),
    "pay_holder": ("Account holder", "Rekeninghouder", "Kontoinhaber", "Odbiorca", "Titular"),
    "pay_sort_code": ("Sort code", "Sort code", "Sort Code", "Sort code", "Sort code"),
    "pay_account_number": ("Account number", "Rekeningnummer", "Kontonummer",
                           "Numer rachunku", "Número de cuenta"),
    "pay_reference": ("Payment reference", "Betalingskenmerk", "Verwendungszweck",
                      "Tytuł przelewu", "Referencia de pago"),
    "pay_national": ("Or quote", "Of vermeld", "Oder angeben", "Lub podaj", "O indique"),
    "pay_qr": ("Scan with your banking app: it fills in the account, amount and reference.",
               "Scan met uw bankapp: rekening, bedrag en kenmerk worden ingevuld.",
               "Mit der Banking-App scannen: Konto, Betrag und Verwendungszweck werden "
               "übernommen.",
               "Zeskanuj w aplikacji bankowej: rachunek, kwota i tytuł zostaną wpisane.",
               "Escanee con la app de su banco: rellena la cuenta, el importe y la referencia."),
    "pay_qr_title": ("QR code to pay {amount}", "QR-code om {amount} te betalen",
                     "QR-Code zur Zahlung von {amount}", "Kod QR do zapłaty {amount}",
                     "Código QR para pagar {amount}"),
    "creditor_contact": ("Questions? {contact}", "Vragen? {contact}", "Fragen? {contact}",
                         "Pytania? {contact}", "¿Preguntas? {contact}"),
    "total_open": ("Total open", "Totaal openstaand", "Offen insgesamt", "Razem do zapłaty",
                   "Total pendiente"),
    "nothing_open": ("You have no open invoices. Thank you!",
                     "U heeft geen openstaande facturen. Dank u wel!",
                     "Sie haben keine offenen Rechnungen. Vielen Dank!",
                     "Nie masz nieopłaconych faktur. Dziękujemy!",
                     "No tiene facturas pendientes. ¡Gracias!"),
    "invoice": ("Invoice", "Factuur", "Rechnung", "Faktura", "Factura"),
    "due": ("Due", "Vervaldatum", "Fällig", "Termin", "Vencimiento"),
    "open": ("Open", "Open", "Offen", "Do zapłaty", "Pendiente"),
    "overdue_days": ("{days} days overdue", "{days} dagen te laat", "{days} Tage überfällig",
                     "{days} dni po terminie", "{days} días vencida"),
    "not_due": ("not yet due", "nog niet vervallen", "noch nicht fällig", "przed terminem",
                "aún no vencida"),
    "disputed": ("in dispute", "betwist", "beanstandet", "reklamacja", "en disputa"),
    "disputed_apart": ("Under dispute, not included in the total: {amount}",
                       "Betwist, niet in het totaal opgenomen: {amount}",
                       "Bestritten, nicht in der Summe enthalten: {amount}",
                       "Sporne, nieujęte w sumie: {amount}",
                       "En disputa, no incluido en el total: {amount}"),
    "credited": ("after credit notes of {amount}", "na aftrek van creditnota's van {amount}",
                 "abzüglich Gutschriften von {amount}", "po odjęciu korekt {amount}",
                 "descontados abonos de {amount}"),
    "charges_title": ("Fees and interest (included in the total)",
                      "Kosten en rente (in het totaal opgenomen)",
                      "Gebühren und Zinsen (in der Summe enthalten)",
                      "Opłaty i odsetki (ujęte w sumie)",
                      "Gastos e intereses (incluidos en el total)"),
    "charge_interest": ("Interest on {invoice}, {start} to {end}, at {rate}% a year",
                        "Rente op {invoice}, {start} tot en met {end}, tegen {rate}% per jaar",
                        "Verzugszinsen auf {invoice}, {start} bis {end}, zu {rate} % p. a.",
                        "Odsetki od {invoice}, {start} – {end}, {rate}% rocznie",
                        "Intereses de demora de {invoice}, del {start} al {end}, al {rate} % "
                        "anual"),
    "charge_fixed": ("Fixed compensation for late payment of {invoice}",
                     "Vaste vergoeding voor te late betaling van {invoice}",
                     "Verzugspauschale für {invoice}",
                     "Rekompensata za opóźnienie w płatności {invoice}",
                     "Indemnización fija por pago tardío de {invoice}"),
    "charge_other": ("{kind} on {invoice}", "{kind} op {invoice}", "{kind} auf {invoice}",
                     "{kind} od {invoice}", "{kind} sobre {invoice}"),
    "basis_eu": ("Directive 2011/7/EU", "Richtlijn 2011/7/EU", "Richtlinie 2011/7/EU",
                 "dyrektywa 2011/7/UE", "Directiva 2011/7/UE"),
    "basis_de": ("section 288 BGB", "§ 288 BGB", "§ 288 BGB", "§ 288 BGB", "§ 288 BGB"),
    "basis_uk": ("Late Payment of Commercial Debts (Interest) Act 1998",) * 5,
    "basis_contract": ("our terms of payment", "onze betalingsvoorwaarden",
                       "unseren Zahlungsbedingungen", "nasze warunki płatności",
                       "nuestras condiciones de pago"),
    "download": ("Download a copy", "Kopie downloaden", "Kopie herunterladen", "Pobierz kopię",
                 "Descargar copia"),
    "request_copy": ("Request a copy", "Kopie aanvragen", "Kopie anfordern", "Poproś o kopię",
                     "Solicitar copia"),
    "paid_title": ("I have paid", "Ik heb betaald", "Ich habe bezahlt", "Zapłaciłem",
                   "Ya he pagado"),
    "paid_on": ("Date of payment", "Datum van betaling", "Zahlungsdatum", "Data płatności",
                "Fecha de pago"),
    "paid_amount": ("Amount paid (optional)", "Betaald bedrag (optioneel)",
                    "Gezahlter Betrag (optional)", "Zapłacona kwota (opcjonalnie)",
                    "Importe pagado (opcional)"),
    "proof": ("Proof of payment (optional; PDF, PNG or JPEG, at most {size})",
              "Betalingsbewijs (optioneel; PDF, PNG of JPEG, hoogstens {size})",
              "Zahlungsnachweis (optional; PDF, PNG oder JPEG, höchstens {size})",
              "Potwierdzenie płatności (opcjonalnie; PDF, PNG lub JPEG, do {size})",
              "Justificante de pago (opcional; PDF, PNG o JPEG, máximo {size})"),
    "promise_title": ("Promise to pay", "Betaalbelofte", "Zahlungszusage", "Obietnica zapłaty",
                      "Promesa de pago"),
    "promise_date": ("I will pay by", "Ik betaal uiterlijk op", "Ich zahle bis zum",
                     "Zapłacę do dnia", "Pagaré antes del"),
    "promise_hint": ("At the latest {date}.", "Uiterlijk {date}.", "Spätestens am {date}.",
                     "Najpóźniej {date}.", "A más tardar el {date}."),
    "amount": ("Amount", "Bedrag", "Betrag", "Kwota", "Importe"),
    "plan_title": ("Propose a payment plan", "Betalingsregeling voorstellen",
                   "Ratenzahlung vorschlagen", "Zaproponuj raty", "Proponer un plan de pagos"),
    "plan_count": ("Number of monthly instalments", "Aantal maandelijkse termijnen",
                   "Anzahl der Monatsraten", "Liczba rat miesięcznych",
                   "Número de cuotas mensuales"),
    "plan_first": ("First payment on", "Eerste betaling op", "Erste Zahlung am",
                   "Pierwsza płatność", "Primer pago el"),
    "plan_hint": ("The open amount of {total}, split into equal monthly instalments.",
                  "Het openstaande bedrag van {total}, verdeeld in gelijke maandtermijnen.",
                  "Der offene Betrag von {total}, aufgeteilt in gleiche Monatsraten.",
                  "Kwota {total} podzielona na równe raty miesięczne.",
                  "El importe pendiente de {total}, dividido en cuotas mensuales iguales."),
    "dispute_title": ("Dispute an invoice", "Factuur betwisten", "Rechnung beanstanden",
                      "Zgłoś reklamację", "Reclamar una factura"),
    "dispute_invoices": ("Which invoices?", "Welke facturen?", "Welche Rechnungen?",
                         "Które faktury?", "¿Qué facturas?"),
    "dispute_reason": ("What is wrong?", "Wat klopt er niet?", "Was stimmt nicht?",
                       "Co jest nie tak?", "¿Qué es incorrecto?"),
    "send": ("Send", "Versturen", "Senden", "Wyślij", "Enviar"),
    "copy_requested": ("We have asked our team to send you a copy of invoice {number}.",
                       "We hebben ons team gevraagd u een kopie van factuur {number} te sturen.",
                       "Wir senden Ihnen eine Kopie der Rechnung {number} zu.",
                       "Poprosiliśmy zespół o przesłanie kopii faktury {number}.",
                       "Hemos pedido a nuestro equipo que le envíe una copia de la factura "
                       "{number}."),
    "copy_emailed": ("We are e-mailing a copy of invoice {number} to {email}.",
                     "We e-mailen een kopie van factuur {number} naar {email}.",
                     "Wir senden Ihnen eine Kopie der Rechnung {number} per E-Mail an "
                     "{email}.",
                     "Wysyłamy kopię faktury {number} na adres {email}.",
                     "Le enviamos una copia de la factura {number} a {email}."),
    "email_copy": ("E-mail me a copy", "Kopie per e-mail", "Kopie per E-Mail",
                   "Wyślij kopię e-mailem", "Enviarme una copia"),
    "paid_received": ("Thank you. We will check your payment and update your account.",
                      "Dank u. We controleren uw betaling en werken uw rekening bij.",
                      "Danke. Wir prüfen Ihre Zahlung und aktualisieren Ihr Konto.",
                      "Dziękujemy. Sprawdzimy płatność i zaktualizujemy konto.",
                      "Gracias. Comprobaremos su pago y actualizaremos su cuenta."),
    "promise_recorded": ("Thank you. We have noted your promise to pay {amount} by {date}.",
                         "Dank u. We hebben uw belofte genoteerd: {amount} uiterlijk {date}.",
                         "Danke. Wir haben Ihre Zusage notiert: {amount} bis {date}.",
                         "Dziękujemy. Zapisaliśmy obietnicę zapłaty {amount} do {date}.",
                         "Gracias. Hemos anotado su promesa de pagar {amount} antes del {date}."),
    "plan_approved": ("Your payment plan is confirmed.", "Uw betalingsregeling is bevestigd.",
                      "Ihre Ratenzahlung ist bestätigt.", "Plan rat został zatwierdzony.",
                      "Su plan de pagos está confirmado."),
    "plan_review": ("Thank you. Your proposal is being reviewed; we will contact you shortly.",
                    "Dank u. Uw voorstel wordt beoordeeld; we nemen spoedig contact op.",
                    "Danke. Ihr Vorschlag wird geprüft; wir melden uns in Kürze.",
                    "Dziękujemy. Propozycja jest rozpatrywana; wkrótce się odezwiemy.",
                    "Gracias. Su propuesta está en revisión; le contactaremos pronto."),
    "dispute_opened": ("We have received your dispute and will look into it.",
                       "We hebben uw bezwaar ontvangen en zoeken het uit.",
                       "Wir haben Ihre Beanstandung erhalten und prüfen sie.",
                       "Otrzymaliśmy reklamację i ją rozpatrzymy.",
                       "Hemos recibido su reclamación y la revisaremos."),
    "current_promise": ("You promised to pay {amount} by {date}.",
                        "U heeft beloofd {amount} te betalen uiterlijk {date}.",
                        "Sie haben zugesagt, {amount} bis {date} zu zahlen.",
                        "Obiecano zapłatę {amount} do {date}.",
                        "Prometió pagar {amount} antes del {date}."),
    "current_plan": ("Your payment plan", "Uw betalingsregeling", "Ihre Ratenzahlung",
                     "Twój plan rat", "Su plan de pagos"),
    "plan_in_review": ("Your payment plan proposal is being reviewed.",
                       "Uw voorstel voor een betalingsregeling wordt beoordeeld.",
                       "Ihr Ratenzahlungsvorschlag wird geprüft.",
                       "Propozycja planu rat jest rozpatrywana.",
                       "Su propuesta de plan de pagos está en revisión."),
    "err_date": ("Enter a date.", "Vul een datum in.", "Bitte ein Datum angeben.",
                 "Podaj datę.", "Indique una fecha."),
    "err_amount": ("Enter an amount such as 150.00.", "Vul een bedrag in, zoals 150,00.",
                   "Bitte einen Betrag wie 150,00 angeben.", "Podaj kwotę, np. 150,00.",
                   "Indique un importe como 150,00."),
    "err_past": ("Choose today or a later date.", "Kies vandaag of een latere datum.",
                 "Bitte heute oder ein späteres Datum wählen.",
                 "Wybierz dzisiejszą lub późniejszą datę.", "Elija hoy o una fecha posterior."),
    "err_too_far": ("Choose a date no later than {date}.", "Kies een datum tot en met {date}.",
                    "Bitte ein Datum bis spätestens {date} wählen.",
                    "Wybierz datę nie późniejszą niż {date}.",
                    "Elija una fecha no posterior al {date}."),
    "err_future": ("The payment date cannot be in the future.",
                   "De betaaldatum kan niet in de toekomst liggen.",
                   "Das Zahlungsdatum darf nicht in der Zukunft liegen.",
                   "Data płatności nie może być w przyszłości.",
                   "La fecha de pago no puede ser futura."),
    "err_too_large": ("The file is too large: at most {size}.",
                      "Het bestand is te groot: hoogstens {size}.",
                      "Die Datei ist zu groß: höchstens {size}.",
                      "Plik jest za duży: maksymalnie {size}.",
                      "El archivo es demasiado grande: máximo {size}."),
    "err_file_type": ("This kind of file is not accepted: send a PDF, PNG or JPEG.",
                      "Dit soort bestand wordt niet geaccepteerd: stuur een PDF, PNG of JPEG.",
                      "Dieser Dateityp wird nicht angenommen: bitte PDF, PNG oder JPEG.",
                      "Ten typ pliku nie jest akceptowany: wyślij PDF, PNG lub JPEG.",
                      "Este tipo de archivo no se acepta: envíe un PDF, PNG o JPEG."),
    "err_choose_invoice": ("Choose at least one invoice.", "Kies ten minste één factuur.",
                           "Bitte mindestens eine Rechnung wählen.",
                           "Wybierz co najmniej jedną fakturę.",
                           "Elija al menos una factura."),
    "err_reason": ("Tell us what is wrong.", "Vertel ons wat er niet klopt.",
                   "Bitte beschreiben Sie, was nicht stimmt.", "Opisz, co jest nie tak.",
                   "Díganos qué es incorrecto."),
    "err_count": ("Choose 2 to {max} instalments.", "Kies 2 tot {max} termijnen.",
                  "Bitte 2 bis {max} Raten wählen.", "Wybierz od 2 do {max} rat.",
                  "Elija de 2 a {max} cuotas."),
    "err_form": ("Please correct the field marked below.", "Verbeter het gemarkeerde veld.",
                 "Bitte korrigieren Sie das markierte Feld.", "Popraw zaznaczone pole.",
                 "Corrija el campo marcado."),
    "invalid_title": ("This link does not work", "Deze link werkt niet",
                      "Dieser Link funktioniert nicht", "Ten link nie działa",
                      "Este enlace no funciona"),
    "invalid_text": ("Check that you opened the whole link from our message, or ask us for "
                     "a new one.",
                     "Controleer of u de volledige link uit ons bericht heeft geopend, of "
                     "vraag ons om een nieuwe.",
                     "Bitte prüfen Sie, ob Sie den vollständigen Link aus unserer Nachricht "
                     "geöffnet haben, oder fordern Sie einen neuen an.",
                     "Sprawdź, czy otwarto cały link z naszej wiadomości, lub poproś o nowy.",
                     "Compruebe que abrió el enlace completo de nuestro mensaje o pídanos "
                     "uno nuevo."),
    "expired_title": ("This link has expired", "Deze link is verlopen",
                      "Dieser Link ist abgelaufen", "Ten link wygasł", "Este enlace ha caducado"),
    "expired_text": ("For your security our links expire. Ask us for a new one, or use the "
                     "link in our latest message.",
                     "Voor uw veiligheid verlopen onze links. Vraag ons om een nieuwe, of "
                     "gebruik de link in ons laatste bericht.",
                     "Zu Ihrer Sicherheit laufen unsere Links ab. Fordern Sie einen neuen an "
                     "oder nutzen Sie den Link aus unserer letzten Nachricht.",
                     "Dla bezpieczeństwa nasze linki wygasają. Poproś o nowy lub użyj linku "
                     "z naszej ostatniej wiadomości.",
                     "Por su seguridad, nuestros enlaces caducan. Pídanos uno nuevo o use el "
                     "enlace de nuestro último mensaje."),
    "revoked_title": ("This link has been withdrawn", "Deze link is ingetrokken",
                      "Dieser Link wurde zurückgezogen", "Ten link został wycofany",
                      "Este enlace ha sido retirado"),
    "too_many_title": ("Too many requests", "Te veel verzoeken", "Zu viele Anfragen",
                       "Zbyt wiele żądań", "Demasiadas solicitudes"),
    "too_many_text": ("Please wait {seconds} seconds and try again.",
                      "Wacht {seconds} seconden en probeer het opnieuw.",
                      "Bitte warten Sie {seconds} Sekunden und versuchen Sie es erneut.",
                      "Odczekaj {seconds} s i spróbuj ponownie.",
                      "Espere {seconds} segundos e inténtelo de nuevo."),
    "not_found_title": ("Not found", "Niet gevonden", "Nicht gefunden", "Nie znaleziono",
                        "No encontrado"),
    "not_found_text": ("This invoice is not among your open invoices.",
                       "Deze factuur staat niet bij uw openstaande facturen.",
                       "Diese Rechnung gehört nicht zu Ihren offenen Rechnungen.",
                       "Tej faktury nie ma wśród Twoich nieopłaconych faktur.",
                       "Esta factura no figura entre sus facturas pendientes."),
    "pay_online_title": ("Pay online", "Online betalen", "Online bezahlen", "Zapłać online",
                  "Pagar en línea"),
    "pay_hint": ("Choose the invoices to pay. You pay their open amount on the secure page of "
                 "our payment provider Stripe ({methods}).",
                 "Kies de facturen die u wilt betalen. U betaalt het openstaande bedrag op de "
                 "beveiligde pagina van onze betaaldienst Stripe ({methods}).",
                 "Wählen Sie die Rechnungen, die Sie bezahlen möchten. Sie zahlen den offenen "
                 "Betrag auf der sicheren Seite unseres Zahlungsdienstes Stripe ({methods}).",
                 "Wybierz faktury do zapłaty. Zapłacisz kwotę do zapłaty na bezpiecznej "
                 "stronie naszego operatora płatności Stripe ({methods}).",
                 "Elija las facturas que desea pagar. Pagará el importe pendiente en la página "
                 "segura de nuestro proveedor de pagos Stripe ({methods})."),
    "pay_charges_apart": ("Fees and interest are not part of this payment.",
                          "Kosten en rente vallen niet onder deze betaling.",
                          "Gebühren und Zinsen sind in dieser Zahlung nicht enthalten.",
                          "Opłaty i odsetki nie są częścią tej płatności.",
                          "Los gastos e intereses no forman parte de este pago."),
    "pay_button": ("Go to payment", "Naar betalen", "Zur Zahlung", "Przejdź do płatności",
                   "Ir al pago"),
    "pay_this": ("Pay {amount} online", "{amount} online betalen", "{amount} online bezahlen",
                 "Zapłać {amount} online", "Pagar {amount} en línea"),
    "method_card": ("card", "creditcard", "Karte", "karta", "tarjeta"),
    "method_ideal": ("iDEAL",) * 5,
    "method_bancontact": ("Bancontact",) * 5,
    "thanks_title": ("Thank you", "Dank u wel", "Vielen Dank", "Dziękujemy", "Gracias"),
    "pay_received": ("Your payment of {amount} for invoice {invoices} has been received.",
                     "Uw betaling van {amount} voor factuur {invoices} is ontvangen.",
                     "Ihre Zahlung von {amount} für Rechnung {invoices} ist eingegangen.",
                     "Twoja płatność {amount} za fakturę {invoices} została otrzymana.",
                     "Hemos recibido su pago de {amount} de la factura {invoices}."),
    "pay_processing": ("Your payment of {amount} for invoice {invoices} is being processed. "
                       "This page says so once our payment provider confirms it; please do "
                       "not pay again.",
                       "Uw betaling van {amount} voor factuur {invoices} wordt verwerkt. Deze "
                       "pagina meldt het zodra onze betaaldienst het bevestigt; betaal "
                       "alstublieft niet opnieuw.",
                       "Ihre Zahlung von {amount} für Rechnung {invoices} wird bearbeitet. "
                       "Diese Seite zeigt es an, sobald unser Zahlungsdienst sie bestätigt; "
                       "bitte zahlen Sie nicht erneut.",
                       "Twoja płatność {amount} za fakturę {invoices} jest przetwarzana. Ta "
                       "strona pokaże to, gdy operator płatności ją potwierdzi; nie płać "
                       "ponownie.",
                       "Su pago de {amount} de la factura {invoices} se está procesando. Esta "
                       "página lo indicará en cuanto nuestro proveedor de pagos lo confirme; "
                       "no vuelva a pagar."),
    "pay_failed": ("Our payment provider reports that the payment of {amount} did not go "
                   "through. You can try again or pay by bank transfer.",
                   "Onze betaaldienst meldt dat de betaling van {amount} niet is gelukt. U "
                   "kunt het opnieuw proberen of per overschrijving betalen.",
                   "Unser Zahlungsdienst meldet, dass die Zahlung von {amount} nicht "
                   "durchgeführt wurde. Sie können es erneut versuchen oder überweisen.",
                   "Operator płatności zgłasza, że płatność {amount} nie powiodła się. Możesz "
                   "spróbować ponownie lub zapłacić przelewem.",
                   "Nuestro proveedor de pagos indica que el pago de {amount} no se ha "
                   "realizado. Puede intentarlo de nuevo o pagar por transferencia."),
    "pay_expired": ("The payment of {amount} was not completed. You can start a new one from "
                    "your invoices.",
                    "De betaling van {amount} is niet afgerond. U kunt bij uw facturen een "
                    "nieuwe starten.",
                    "Die Zahlung von {amount} wurde nicht abgeschlossen. Sie können bei Ihren "
                    "Rechnungen eine neue beginnen.",
                    "Płatność {amount} nie została dokończona. Możesz rozpocząć nową przy "
                    "swoich fakturach.",
                    "El pago de {amount} no se completó. Puede iniciar uno nuevo desde sus "
                    "facturas."),
    "err_pay_provider": ("Online payment could not be started just now, and nothing was "
                         "charged. Please try again later or pay by bank transfer.",
                         "Online betalen kon nu niet worden gestart; er is niets afgeschreven. "
                         "Probeer het later opnieuw of betaal per overschrijving.",
                         "Die Online-Zahlung konnte gerade nicht gestartet werden; es wurde "
                         "nichts abgebucht. Bitte versuchen Sie es später oder überweisen Sie.",
                         "Nie udało się teraz rozpocząć płatności online; nic nie pobrano. "
                         "Spróbuj później lub zapłać przelewem.",
                         "No se ha podido iniciar el pago en línea y no se ha cobrado nada. "
                         "Inténtelo más tarde o pague por transferencia."),
    "err_pay_currency": ("One payment is in one currency: choose invoices in {currencies} "
                         "separately.",
                         "Eén betaling is in één valuta: kies facturen in {currencies} apart.",
                         "Eine Zahlung ist in einer Währung: wählen Sie Rechnungen in "
                         "{currencies} getrennt.",
                         "Jedna płatność to jedna waluta: wybierz faktury w {currencies} "
                         "osobno.",
                         "Un pago es en una sola moneda: elija por separado las facturas en "
                         "{currencies}."),
    "err_pay_method": ("Online payment is not offered in {currency}.",
                       "Online betalen is niet mogelijk in {currency}.",
                       "Online-Zahlung ist in {currency} nicht möglich.",
                       "Płatność online nie jest dostępna w {currency}.",
                       "El pago en línea no está disponible en {currency}."),
    "back": ("Back to your invoices", "Terug naar uw facturen", "Zurück zu Ihren Rechnungen",
             "Powrót do faktur", "Volver a sus facturas"),
    "language": ("Language", "Taal", "Sprache", "Język", "Idioma"),
}

LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands", "de": "Deutsch", "pl": "Polski",
                  "es": "Español"}


def translate(language: str, key: str, **values: Any) -> str:
    """The sentence `key` in `language` (English when the language is not offered)."""
    index = LANGUAGES.index(language) if language in LANGUAGES else 0
    return TEXTS[key][index].format(**values)


def format_money(value: Money, language: str) -> str:
    """An amount as the debtor writes it: "€ 1.250,00" in Dutch, "1.250,00 €" in German."""
    return str(format_currency(value.amount, value.currency, locale=language))


def format_date(value: date, language: str) -> str:
    return str(babel_date(value, format="long", locale=language))


def format_size(size_bytes: int, language: str) -> str:
    megabytes = Decimal(size_bytes) / (1024 * 1024)
    if megabytes >= 1:
        return f"{format_decimal(megabytes.quantize(Decimal('0.1')), locale=language)} MB"
    return f"{format_decimal(Decimal(size_bytes) // 1024, locale=language)} KB"
