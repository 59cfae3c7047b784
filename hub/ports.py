"""Small interfaces the hub declares and adapters (sync/, rules/, notifications/)
implement. The composition root, hub/bootstrap/, picks the implementations."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from pathlib import Path
from typing import Any
from typing import Protocol

from hub.domain.campaigns import Fragment
from hub.domain.checkout import CheckoutRequest
from hub.domain.checkout import CheckoutSession
from hub.domain.checkout import ProviderEvent
from hub.domain.decisions import AccountFacts
from hub.domain.decisions import Decision
from hub.domain.decisions import Evaluation
from hub.domain.decisions import PolicySettings
from hub.domain.decisions import RuleProblem
from hub.domain.experiments import ExperimentPlan
from hub.domain.money import Money
from hub.domain.outbox import Delivery
from hub.domain.outbox import Rendered
from hub.domain.records import ImportRecord
from hub.domain.records import RejectedRow
from hub.domain.records import RowBatch
from hub.domain.sheets import BookPlan
from hub.domain.sheets import BookSnapshot
from hub.domain.sheets import SheetLayout
from hub.domain.sheets import WriteResult


class Progress(Protocol):
    """A progress indicator for long jobs; silent when output is not a terminal."""

    def advance(self, count: int) -> None: ...

    def close(self) -> None: ...


class NoProgress:
    def advance(self, count: int) -> None:
        pass

    def close(self) -> None:
        pass


class ImportSource(Protocol):
    """A customers, invoices or payments file, mapped row by row to import records
    (implemented by sync/sources/tabular.py). Parsing problems arrive as RejectedRow."""

    @property
    def kind(self) -> str: ...  # customers | invoices | payments

    @property
    def path(self) -> str: ...

    @property
    def preset(self) -> str | None: ...

    @property
    def sha256(self) -> str: ...

    @property
    def provided_fields(self) -> frozenset[str]: ...  # fields the file has a column for

    @property
    def estimated_rows(self) -> int | None: ...

    def records(self) -> Iterator[ImportRecord | RejectedRow]: ...

    def batches(self, size: int) -> Iterator[RowBatch]: ...  # the same rows, `size` at a time


class RejectSink(Protocol):
    """Where rejected rows go (a CSV beside the source); kept only if the import commits."""

    @property
    def location(self) -> str: ...  # where the file goes if the import commits

    def add(self, row: RejectedRow) -> None: ...

    def commit(self) -> str | None: ...  # the file written, or None when nothing was rejected

    def discard(self) -> None: ...


class Policy(Protocol):
    """Finance's compiled rule file (implemented in rules/): decides for a batch of accounts.

    Deterministic: the same facts give the same decisions, in the same order. Everything
    the rest of the hub reads from the rule file goes through these members, typed: no
    caller probes a policy for an attribute or guesses a default."""

    @property
    def version(self) -> str: ...  # the rule file's sha256

    @property
    def settings(self) -> PolicySettings: ...  # minimum balance, contact policy, portal limits

    def thresholds(self) -> frozenset[int]:
        ...  # days overdue at which a ladder step starts (the cycle's incremental selection)

    @property
    def experiments(self) -> tuple[ExperimentPlan, ...]: ...  # the file's split steps

    @property
    def uses_predictions(self) -> bool: ...  # a rule tests prediction.*: load predictions

    def evaluate(self, accounts: Sequence[AccountFacts]) -> list[Decision]: ...

    def evaluate_with_schedule(self, accounts: Sequence[AccountFacts]) -> Evaluation:
        ...  # the decisions, and per account the next day it must be evaluated again


class PolicyCompiler(Protocol):
    """Turns a rule file's text into a Policy (implemented in rules/, wired in bootstrap).

    `compile` raises hub.domain.errors.RuleFileError naming file, line and rule; `check`
    returns every problem (errors and warnings) without raising; `check_limited` does the
    same in a child process with a time and memory limit (for text from the web); `read`
    returns a rule file's text, refusing (RuleFileError) a file past the size limit before
    reading it."""

    def compile(self, text: str, file_name: str) -> Policy: ...

    def check(self, text: str, file_name: str) -> list[RuleProblem]: ...

    def check_limited(self, text: str, file_name: str) -> list[RuleProblem]: ...

    def read(self, path: Path) -> str: ...

    def merge(self, text: str, fragments: Sequence[Fragment]) -> str:
        """The rule file `text` with campaigns on top (docs/campaigns.md); RuleFileError
        when `text` is no rule file a campaign can extend."""
        ...


@dataclass(frozen=True, slots=True)
class HookReport:
    """What one cycle hook did, for the cycle-run record and summary."""

    name: str
    done: bool  # False: nothing is configured for this hook yet
    counts: dict[str, int] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    message: str = ""


class CycleHook(Protocol):
    """A phase of the daily cycle filled in by an adapter: ingest, sheet read-back, sheet
    write-out, notify. Each runs in its own transaction(s) and reports, never raises for
    a target's failure (that goes into `errors`)."""

    @property
    def name(self) -> str: ...

    def run(self, as_of: date, *, dry_run: bool) -> HookReport: ...


class PortalLinks(Protocol):
    """Debtor portal links for messages and sheets (implemented in hub/services/portal/links.py).

    A live link with at least half its lifetime left is handed out again, so calling this
    for every reminder does not mint a new link each time."""

    def portal_url(self, customer_code: str) -> str: ...  # NotFound for an unknown code

    def portal_urls(self, customer_codes: Iterable[str]) -> dict[str, str]: ...  # known codes


class Transport(Protocol):
    """One notification channel (implemented in notifications/): knows its payload and
    which of its errors are permanent. `send` raises hub.domain.outbox.TransportError and
    returns the provider's message id when it has one."""

    @property
    def channel(self) -> str: ...

    def prepare_address(self, address: str, *, country: str | None) -> str: ...  # AddressError

    def send(self, delivery: Delivery) -> str | None: ...


class MessageRenderer(Protocol):
    """Templates per name, language and channel (notifications/templates)."""

    def known_templates(self) -> frozenset[str]: ...

    def has_template(self, template: str, language: str) -> bool: ...

    def render(self, template: str, language: str, channel: str,
               context: Mapping[str, Any]) -> Rendered: ...

    def format_money(self, amount: Money, language: str) -> str: ...

    def format_date(self, day: date, language: str) -> str: ...


class ManagerDirectory(Protocol):
    """Who manages a person (Microsoft Graph; None when the directory has no manager)."""

    def manager_of(self, email: str) -> str | None: ...


class WorksheetBackend(Protocol):
    """Where shared worklists live (sync/sheets/): local XLSX workbooks, Google Sheets or
    Smartsheet. A book is one department's workbook / spreadsheet / sheet with a tab (or,
    in Smartsheet, an owner section) per owner.

    Both calls raise hub.domain.sheets.SheetTargetError for a permanent failure of that
    book (401, 403, not found, not configured) and SheetBusy when it is open or locked."""

    @property
    def name(self) -> str: ...  # xlsx | google | smartsheet

    def read(self, book: str, layout: SheetLayout, *, remote_id: str | None,
             for_write: bool = True) -> BookSnapshot:
        ...  # for_write=False (read-back only) may answer `untouched` without reading

    def write(self, plan: BookPlan, snapshot: BookSnapshot,
              layout: SheetLayout) -> WriteResult: ...


class PaymentProvider(Protocol):
    """Card, iDEAL or Bancontact payments through a provider's hosted checkout
    (implemented by sync/payments/stripe_checkout.py).

    `create_checkout` raises hub.domain.checkout.ProviderError when the provider refuses
    or cannot be reached; `verify` raises SignatureRejected for a notification whose
    signature does not check out, and returns None for one it does not act on."""

    @property
    def name(self) -> str: ...  # stripe

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession: ...

    def verify(self, body: bytes, signature: str) -> ProviderEvent | None: ...


class PartitionQueue(Protocol):
    """A task queue that applies a cycle's partitions on its workers (implemented on
    Celery in hub/queue.py, wired in bootstrap when HUB_BROKER_URL is set). Sending is
    all it does: the state of each part lives in the ledger (cycle_partitions)."""

    def send_partitions(self, run_id: int, parts: Sequence[int]) -> None: ...
