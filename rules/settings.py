"""Reading the settings sections: minimum_balance, contact, portal, fees, limitation, teams."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from pathlib import Path

from hub.domain.currency import UnknownCurrency
from hub.domain.currency import normalise_currency
from hub.domain.decisions import ChannelCap
from hub.domain.decisions import PolicySettings
from hub.domain.fees import Scheme
from hub.domain.plans import PlanLimits
from rules.model import FeePolicy
from rules.model import LimitationPolicy
from rules.rates import folder_problems
from rules.reader import Problems
from rules.reader import Reader
from rules.reader import amount
from rules.reader import shown
from rules.source import Map
from rules.source import Seq

CAP_CHANNELS = ("email", "sms", "letter", "call", "whatsapp", "voice")
SCHEMES = tuple(s.value for s in Scheme)
LIMITATION_SCHEMES = ("de", "uk")
CONSUMER_CALLS_MAX = 7  # Reg F 7-in-7, the safe default the issue asks for


def _minimum_balance(problems: Problems, root: Map) -> tuple[Decimal, tuple[tuple[str, Decimal],
                                                                             ...]]:
    value = root.get("minimum_balance")
    line = root.line_of("minimum_balance")
    if value is None:
        return Decimal(0), ()
    if isinstance(value, Map):
        pairs = []
        default = Decimal(0)
        for currency, raw in value.values.items():
            figure = amount(problems, value.line_of(currency), "minimum_balance", currency,
                            raw, default=Decimal(0))
            if currency == "default":
                default = figure
            elif len(currency) != 3 or not currency.isupper():
                problems.error(value.line_of(currency), "minimum_balance",
                               f'"{currency}" is not a currency code such as EUR')
            else:
                pairs.append((currency, figure))
        return default, tuple(sorted(pairs))
    return amount(problems, line, None, "minimum_balance", value, default=Decimal(0)), ()


def _clock(reader: Reader, key: str, default: time) -> time:
    raw = reader.text(key)
    if raw is None:
        return default
    try:
        return time.fromisoformat(raw.zfill(5))
    except ValueError:
        reader.error(key, f'"{key}" must be a time of day such as 08:00, got "{raw}"')
        return default


def _caps(problems: Problems, node: Map | None, section: str) -> tuple[ChannelCap, ...]:
    if node is None:
        return ()
    caps = []
    for channel, raw in node.values.items():
        line = node.line_of(channel)
        if channel not in CAP_CHANNELS:
            problems.error(line, section, f'"{channel}" is not a channel with a cap; use '
                                          f'{", ".join(CAP_CHANNELS)}')
            continue
        if not isinstance(raw, Map):
            problems.error(line, section, f'"{channel}" needs "max" and "per_days", '
                                          f"e.g. {{max: 3, per_days: 7}}")
            continue
        reader = Reader(problems, raw, section, ("max", "per_days"))
        caps.append(ChannelCap(channel, reader.whole("max", "messages", required=True,
                                                     default=1, minimum=0, maximum=1000),
                               reader.whole("per_days", "days", required=True, default=7,
                                            minimum=1, maximum=365)))
    return tuple(caps)


def read_settings(problems: Problems, root: Map) -> PolicySettings:
    minimum, by_currency = _minimum_balance(problems, root)
    top = Reader(problems, root, None, None)  # keys of the root are checked by the parser
    contact = top.section("contact") or Map(root.line_of("contact"))
    reader = Reader(problems, contact, "contact",
                    ("send_window", "business_days_only", "caps", "consumer_caps"))
    window = reader.section("send_window") or Map(contact.line)
    window_reader = Reader(problems, window, "contact", ("from", "to"))
    start = _clock(window_reader, "from", time(8, 0))
    end = _clock(window_reader, "to", time(20, 0))
    if end <= start:
        window_reader.error("to", f"the send window must end after it starts ({start:%H:%M})")
    caps = _caps(problems, reader.section("caps"), "contact")
    consumer_caps = _caps(problems, reader.section("consumer_caps"), "contact")
    for calls in ("call", "voice"):  # a reminder call is a call too
        if not any(cap.channel == calls for cap in consumer_caps):
            consumer_caps += (ChannelCap(calls, CONSUMER_CALLS_MAX, 7),)
    for cap in consumer_caps:
        if cap.channel in ("call", "voice") and \
                cap.max_count * 7 > CONSUMER_CALLS_MAX * cap.per_days:
            problems.error(contact.line_of("consumer_caps"), "contact",
                           f"consumers may get at most {CONSUMER_CALLS_MAX} calls in 7 days; "
                           f"{cap.max_count} in {cap.per_days} days is more")
    portal = top.section("portal") or Map(root.line)
    portal_reader = Reader(problems, portal, "portal", (
        "promise", "plan_auto_approve", "plan_review_days", "instalment_reminder_days"))
    promise = portal_reader.section("promise") or Map(portal.line)
    promise_reader = Reader(problems, promise, "portal", ("max_days_ahead", "grace_days"))
    plan = portal_reader.section("plan_auto_approve") or Map(portal.line)
    plan_reader = Reader(problems, plan, "portal", (
        "max_instalments", "max_total", "max_months", "min_first_payment_percent"))
    defaults = PlanLimits()
    limits = PlanLimits(
        max_instalments=plan_reader.whole("max_instalments", "instalments",
                                          default=defaults.max_instalments, minimum=1,
                                          maximum=60),
        max_total=plan_reader.amount("max_total", defaults.max_total),
        max_months=plan_reader.whole("max_months", "months", default=defaults.max_months,
                                     minimum=1, maximum=60),
        min_first_payment_percent=plan_reader.amount("min_first_payment_percent",
                                                     defaults.min_first_payment_percent))
    if limits.min_first_payment_percent > 100:
        plan_reader.error("min_first_payment_percent", "a percentage cannot be above 100")
    return PolicySettings(
        minimum_balance=minimum, minimum_balance_by_currency=by_currency,
        send_window=(start, end),
        business_days_only=reader.flag("business_days_only", True),
        caps=caps, consumer_caps=consumer_caps,
        promise_max_days_ahead=promise_reader.whole("max_days_ahead", "days", default=14,
                                                    minimum=1, maximum=366),
        promise_grace_days=promise_reader.whole("grace_days", "days", default=2, maximum=60),
        plan_auto_approve=limits,
        plan_review_days=portal_reader.whole("plan_review_days", "days", default=2, minimum=1,
                                             maximum=60),
        instalment_reminder_days=portal_reader.whole("instalment_reminder_days", "days",
                                                     default=3, minimum=1, maximum=60))


def _countries(problems: Problems, node: Map | None, section: str,
               choices: tuple[str, ...]) -> dict[str, Scheme]:
    result: dict[str, Scheme] = {}
    if node is None:
        return result
    for country, raw in node.values.items():
        line = node.line_of(country)
        if len(country) != 2 or not country.isupper():
            problems.error(line, section, f'"{country}" is not a two-letter country code '
                                          f"such as DE")
        elif not isinstance(raw, str) or raw not in choices:
            problems.error(line, section, f'"{country}" must be one of {", ".join(choices)}, '
                                          f"got {shown(raw)}")
        else:
            result[country] = Scheme(raw)
    return result


def read_fees(problems: Problems, root: Map) -> FeePolicy:
    node = root.get("fees")
    if node is None:
        return FeePolicy()
    if not isinstance(node, Map):
        problems.error(root.line_of("fees"), "fees", '"fees" must hold settings')
        return FeePolicy()
    reader = Reader(problems, node, "fees", ("by_country", "default", "contract_rate",
                                             "fixed", "rates_folder"))
    default = reader.text("default", choices=SCHEMES) or "none"
    contract = reader.amount("contract_rate", Decimal(-1)) if reader.has("contract_rate") \
        else None
    folder = reader.text("rates_folder")
    rates_folder = Path(folder).expanduser() if folder else None
    if rates_folder is not None:
        for problem in folder_problems(rates_folder):
            reader.error("rates_folder", problem)
    return FeePolicy(_countries(problems, reader.section("by_country"), "fees", SCHEMES),
                     Scheme(default), contract if contract is None or contract >= 0 else None,
                     _fixed(problems, reader.section("fixed")), rates_folder)


def _fixed(problems: Problems, node: Map | None) -> dict[str, Decimal]:
    """`fixed: {EUR: 40, CHF: 50}`: the fixed sum per late invoice in each currency."""
    found: dict[str, Decimal] = {}
    if node is None:
        return found
    for currency, raw in node.values.items():
        line = node.line_of(currency)
        try:
            code = normalise_currency(currency)
        except UnknownCurrency:
            problems.error(line, "fees", f'"{currency}" under "fixed" is not a currency code '
                                         "such as EUR")
            continue
        figure = amount(problems, line, "fees", currency, raw, default=Decimal(-1))
        if figure >= 0:
            found[code] = figure
    return found


def read_limitation(problems: Problems, root: Map) -> LimitationPolicy:
    node = root.get("limitation")
    if node is None:
        return LimitationPolicy()
    if not isinstance(node, Map):
        problems.error(root.line_of("limitation"), "limitation", '"limitation" must hold '
                                                                 "settings")
        return LimitationPolicy()
    reader = Reader(problems, node, "limitation", ("by_country",))
    return LimitationPolicy(
        _countries(problems, reader.section("by_country"), "limitation", LIMITATION_SCHEMES))


def read_teams(problems: Problems, root: Map) -> dict[str, tuple[str, ...]]:
    node = root.get("teams")
    if node is None:
        return {}
    if not isinstance(node, Map):
        problems.error(root.line_of("teams"), "teams", '"teams" must list teams and members')
        return {}
    teams = {}
    for name, members in node.values.items():
        line = node.line_of(name)
        items = members.items if isinstance(members, Seq) else None
        if not items or not all(isinstance(m, str) and "@" in m for m in items):
            problems.error(line, f'team "{name}"', "a team is a list of e-mail addresses, "
                                                   "e.g. [ana@example.com, ben@example.com]")
            continue
        teams[name] = tuple(items)
    return teams
