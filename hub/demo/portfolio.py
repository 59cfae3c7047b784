"""A realistic demo portfolio, generated from a seed.

The generator only produces rows in the importers' `generic` layout and bank
statement lines; the command line writes them to files and imports them through
the same paths a customer's ERP export takes, so the demo exercises the product.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from decimal import Decimal

from hub.domain.currency import minor_units

# country: (currency, timezone, language, share of the portfolio)
COUNTRIES: dict[str, tuple[str, str, str, float]] = {
    "NL": ("EUR", "Europe/Amsterdam", "nl", 0.24),
    "DE": ("EUR", "Europe/Berlin", "de", 0.20),
    "GB": ("GBP", "Europe/London", "en", 0.16),
    "PL": ("PLN", "Europe/Warsaw", "pl", 0.12),
    "ES": ("EUR", "Europe/Madrid", "es", 0.10),
    "US": ("USD", "America/New_York", "en", 0.10),
    "BE": ("EUR", "Europe/Brussels", "nl", 0.08),
}

DEPARTMENTS: dict[str, list[tuple[str, str]]] = {
    "Sales": [("Anna de Vries", "anna.devries"), ("Jonas Weber", "jonas.weber"),
              ("Marta Nowak", "marta.nowak")],
    "Finance": [("Lucia Garcia", "lucia.garcia"), ("Tom Baker", "tom.baker"),
                ("Sophie Laurent", "sophie.laurent")],
    "Operations": [("Piet Janssen", "piet.janssen"), ("Emily Clark", "emily.clark")],
}
MANAGERS = {"Sales": "Ruth Mills", "Finance": "Karel Smit", "Operations": "Olga Kowalska"}
DOMAIN = "demo.collections-hub.example"

_BUSINESS_WORDS = ["Nord", "Delta", "Alpen", "Vista", "Orion", "Baltic", "Iberia", "Atlas",
                   "Polder", "Rhein", "Vistula", "Meridian", "Harbor", "Summit", "Crown"]
_BUSINESS_KINDS = ["Logistics", "Foods", "Engineering", "Retail", "Health", "Systems",
                   "Textiles", "Energy", "Media", "Construction", "Pharma", "Motors"]
_LEGAL = {"NL": "B.V.", "BE": "BV", "DE": "GmbH", "GB": "Ltd", "PL": "Sp. z o.o.", "ES": "S.L.",
          "US": "Inc."}
_FIRST = ["Eva", "Lars", "Ines", "Jan", "Olivia", "Noah", "Zofia", "Pablo", "Hanna", "Liam",
          "Mila", "Finn", "Carmen", "Oskar", "Julia", "Sem", "Lea", "Mateo"]
_LAST = ["Jansen", "Müller", "Kowalski", "López", "Smith", "Bakker", "Schmidt", "Wiśniewska",
         "Martín", "Brown", "Visser", "Fischer", "Zieliński", "Sánchez", "Taylor", "Peeters"]

# How a customer pays: (share, days late range, chance of never paying an invoice)
BEHAVIOURS: dict[str, tuple[float, tuple[int, int], float]] = {
    "prompt": (0.58, (-5, 2), 0.0),
    "slow": (0.25, (3, 25), 0.01),
    "late": (0.13, (20, 110), 0.08),
    "defaulting": (0.04, (60, 200), 0.6),
}

# Where demo debtors live: letters need a postal address.
STREETS = {"NL": ("Keizersgracht", "1015 CJ", "Amsterdam"),
           "BE": ("Meir", "2000", "Antwerpen"),
           "DE": ("Friedrichstraße", "10117", "Berlin"),
           "GB": ("High Street", "EC1A 1BB", "London"),
           "PL": ("ul. Marszałkowska", "00-001", "Warszawa"),
           "ES": ("Calle Mayor", "28013", "Madrid"),
           "US": ("Main Street", "10001", "New York, NY")}


@dataclass(frozen=True)
class _Profile:
    """How one demo customer buys and pays."""

    code: str
    name: str
    currency: str
    scale: float  # typical invoice amount
    per_month: int
    terms: int  # payment terms in days
    behaviour: str  # a key of BEHAVIOURS
    account: str  # the payer's IBAN


@dataclass
class DemoPortfolio:
    users: list[dict[str, str]] = field(default_factory=list)
    customers: list[dict[str, str]] = field(default_factory=list)
    invoices: list[dict[str, str]] = field(default_factory=list)
    payments: list[dict[str, str]] = field(default_factory=list)  # older than the statement
    statement: list[dict[str, str]] = field(default_factory=list)  # the last days, via CAMT.053
    # Not in the files: how each customer pays (a key of BEHAVIOURS) and which invoice each
    # payment reference pays, so a replay (hub.cli.demo_replay) can make them act on it.
    behaviour: dict[str, str] = field(default_factory=dict)
    pays: dict[str, str] = field(default_factory=dict)
    payers: dict[str, str] = field(default_factory=dict)  # customer code -> its IBAN


def iban(country: str, bank: str, account: int) -> str:
    """A syntactically valid IBAN (ISO 13616 check digits) for demo payers."""
    bban = f"{bank}{account:010d}"
    digits = "".join(str(int(ch, 36)) for ch in f"{bban}{country}00")
    check = 98 - int(digits) % 97
    return f"{country}{check:02d}{bban}"


def _money(value: float, currency: str) -> Decimal:
    step = Decimal(1).scaleb(-minor_units(currency))
    return Decimal(str(round(value, 4))).quantize(step)


class _Generator:
    def __init__(self, seed: int, today: date, customers: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        self.today = today
        self.count = customers
        self.portfolio = DemoPortfolio()
        self.invoice_seq = 0
        self.payment_seq = 0

    def run(self) -> DemoPortfolio:
        owners = self._users()
        for index in range(1, self.count + 1):
            self._customer(index, owners)
        return self.portfolio

    def _users(self) -> list[tuple[str, str]]:
        owners: list[tuple[str, str]] = []
        for department, people in DEPARTMENTS.items():
            manager = MANAGERS[department]
            manager_email = f"{manager.lower().replace(' ', '.')}@{DOMAIN}"
            self.portfolio.users.append({"email": manager_email, "name": manager,
                                         "role": "manager", "department": department,
                                         "manager_email": ""})
            for name, login in people:
                email = f"{login}@{DOMAIN}"
                owners.append((email, department))
                self.portfolio.users.append({"email": email, "name": name, "role": "collector",
                                             "department": department,
                                             "manager_email": manager_email})
        return owners

    def _pick_country(self) -> str:
        countries = list(COUNTRIES)
        weights = [COUNTRIES[c][3] for c in countries]
        return self.rng.choices(countries, weights)[0]

    def _customer(self, index: int, owners: list[tuple[str, str]]) -> None:
        rng = self.rng
        country = self._pick_country()
        currency, timezone, language, _ = COUNTRIES[country]
        business = rng.random() < 0.7
        code = f"C{index:05d}"
        if business:
            name = f"{rng.choice(_BUSINESS_WORDS)} {rng.choice(_BUSINESS_KINDS)} {_LEGAL[country]}"
            contact = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        else:
            name = contact = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        owner, department = rng.choice(owners)
        behaviour = rng.choices(list(BEHAVIOURS), [b[0] for b in BEHAVIOURS.values()])[0]
        scale = rng.lognormvariate(7.6, 0.9) if business else rng.lognormvariate(4.8, 0.6)
        per_month = rng.choice([1, 1, 2, 3, 4]) if business else rng.choice([0, 1, 1])
        terms = rng.choice([14, 30, 30, 30, 45, 60]) if business else 14
        lifetime = scale * per_month * 12 * rng.uniform(1.5, 6)
        segment = "strategic" if lifetime > 250_000 else ("business" if business else "consumer")
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        street, postcode, city = STREETS[country]  # so letters can be printed
        self.portfolio.customers.append({
            "customer_id": code, "name": name, "kind": "B2B" if business else "B2C",
            "country": country, "timezone": timezone, "language": language,
            "owner": owner, "department": department, "segment": segment,
            "currency": currency,
            "credit_limit": str(_money(scale * per_month * 3, currency)) if business else "",
            "lifetime_value": str(_money(lifetime, currency)),
            "contact_name": contact, "contact_email": f"ap@{slug}.example",
            "contact_phone": f"+31 20 {rng.randint(1000000, 9999999)}" if country == "NL" else "",
            "excluded": "yes" if rng.random() < 0.01 else "no",
            "address_line1": f"{street} {len(self.portfolio.customers) + 1}",
            "address_line2": "", "postcode": postcode, "city": city,
        })
        self.portfolio.behaviour[code] = behaviour
        self.portfolio.payers[code] = iban("NL", "DEMO", index)
        self._invoices(_Profile(code, name, currency, scale, per_month, terms, behaviour,
                                self.portfolio.payers[code]))

    def _invoices(self, who: _Profile) -> None:
        rng = self.rng
        _, (late_from, late_to), never = BEHAVIOURS[who.behaviour]
        start = self.today - timedelta(days=365)
        day = start + timedelta(days=rng.randint(0, 27))
        while day <= self.today:
            for _ in range(who.per_month):
                issue = day + timedelta(days=rng.randint(0, 25))
                if issue > self.today:
                    continue
                self.invoice_seq += 1
                number = f"INV-{issue.year}-{self.invoice_seq:06d}"
                amount = _money(max(who.scale * rng.uniform(0.3, 1.8), 15.0), who.currency)
                due = issue + timedelta(days=who.terms)
                disputed = rng.random() < 0.02
                self.portfolio.invoices.append({
                    "invoice_number": number, "customer_id": who.code, "customer_name": who.name,
                    "issue_date": issue.isoformat(), "due_date": due.isoformat(),
                    "currency": who.currency, "amount": str(amount),
                    "disputed": "yes" if disputed else "no", "excluded": "no",
                    "document_ref": f"invoices/{number}.pdf" if rng.random() < 0.8 else "",
                    "description": rng.choice(["Goods delivered", "Services", "Subscription",
                                               "Maintenance", "Consulting hours"]),
                })
                if disputed or rng.random() < never:
                    continue
                paid_on = due + timedelta(days=rng.randint(late_from, late_to))
                self._pay(who, number, amount, paid_on)
            day += timedelta(days=30)

    def _pay(self, who: _Profile, number: str, amount: Decimal, paid_on: date) -> None:
        rng = self.rng
        if paid_on > self.today:
            return
        parts = [(amount, paid_on)]
        if rng.random() < 0.06:  # a partial payment, the rest later (or never)
            first = (amount * Decimal(rng.choice(["0.25", "0.5"]))).quantize(
                Decimal(1).scaleb(-minor_units(who.currency)))
            parts = [(first, paid_on)]
            rest_on = paid_on + timedelta(days=rng.randint(10, 60))
            if rng.random() < 0.7:
                parts.append((amount - first, rest_on))
        for paid, on in parts:
            if on > self.today:
                continue
            self.payment_seq += 1
            roll = rng.random()
            if roll < 0.82:
                remittance = rng.choice([
                    f"Invoice {number}", number, f"Betaling {number}",
                    f"Rechnung {number} Kd {who.code}", f"Payment {number} thanks"])
            elif roll < 0.95:
                remittance = rng.choice([who.name, f"payment {who.name}", "Monthly payment"])
            else:
                remittance = rng.choice(["", "see email", "transfer", "ref 88213"])
            row = {
                "reference": f"DEMO-{self.payment_seq:07d}", "received_on": on.isoformat(),
                "amount": str(paid), "currency": who.currency, "payer_name": who.name,
                "payer_account": who.account, "remittance": remittance, "customer_id": "",
            }
            self.portfolio.pays[row["reference"]] = number
            if (self.today - on).days < 7:
                self.portfolio.statement.append(row)
            else:
                self.portfolio.payments.append(row)


def generate(seed: int, today: date, customers: int = 400) -> DemoPortfolio:
    """Twelve months of invoices and payments up to `today`, the same for the same seed."""
    return _Generator(seed, today, customers).run()
