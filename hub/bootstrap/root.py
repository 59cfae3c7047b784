"""The composition root's Hub: the one place that picks concrete adapters.

Commands, the web app and tests call `bootstrap()`; nothing else builds engines
or chooses between SQLite and PostgreSQL, local files and remote services. The adapters
are built by notify, rules and sheets beside it, from the settings, the engine and the clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from hub.config import ConfigError
from hub.config import Settings
from hub.domain.clock import Clock
from hub.domain.clock import SystemClock
from hub.domain.errors import RuleFileError
from hub.domain.errors import UserError
from hub.ledger.db import current_revision
from hub.ledger.db import head_revision
from hub.ledger.db import make_engine
from hub.ledger.db import require_head
from hub.ledger.db import upgrade
from hub.observe.logs import configure_logging

if TYPE_CHECKING:  # imported where used: a command loads only the adapters it needs
    from hub.creditor import CreditorState
    from hub.domain.creditor import CreditorProfile
    from hub.domain.decisions import PolicySettings
    from hub.domain.experiments import ExperimentPlan
    from hub.domain.handover import Party
    from hub.ports import CycleHook
    from hub.ports import ManagerDirectory
    from hub.ports import PaymentProvider
    from hub.ports import Policy
    from hub.ports import PortalLinks
    from hub.ports import Transport
    from hub.queue import CeleryQueue
    from hub.services.cycle.campaigns import Campaigns
    from hub.services.cycle.rule_files import PolicyStatus
    from hub.services.cycle.rule_files import RuleFiles
    from hub.services.handover.files import CaseFiles
    from hub.services.notify.dispatch import Dispatcher
    from hub.services.prediction.experiments import ExperimentReport
    from hub.services.sheets.sync import SheetSync

log = logging.getLogger(__name__)


@dataclass
class Hub:
    """Everything a use case needs, wired once."""

    settings: Settings
    clock: Clock

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    def portal_links(self) -> PortalLinks:
        """Debtor portal links (NOTIFY's templates, SHEETS' portal-link column)."""
        from hub.services.portal.links import LedgerPortalLinks  # noqa: PLC0415

        return LedgerPortalLinks(self.engine, self.clock, self.settings.signing_key(),
                                 self.settings.public_url, self.settings.portal_link_days)

    def creditor_state(self) -> CreditorState:
        """The creditor profile in HUB_CREDITOR_FILE, read afresh (the admin page may
        have changed it), or why there is none."""
        from hub.creditor import creditor_state  # noqa: PLC0415
        from hub.creditor import creditor_state_from_text  # noqa: PLC0415
        from hub.ledger.tenancy import DEFAULT_CREDITOR  # noqa: PLC0415
        from hub.ledger.tenancy import current_creditor  # noqa: PLC0415
        from hub.services.staff.creditors import creditor_by_id  # noqa: PLC0415

        creditor_id = current_creditor()
        if creditor_id == DEFAULT_CREDITOR:  # a single-company install: the file, as ever
            return creditor_state(self.settings.creditor_file)
        with self.engine.connect() as connection:
            creditor = creditor_by_id(connection, creditor_id)
        return creditor_state_from_text(creditor.profile if creditor else None,
                                        f"creditor {creditor.code if creditor else creditor_id}")

    @cached_property
    def payment_provider(self) -> PaymentProvider | None:
        """Stripe Checkout when HUB_STRIPE_SECRET_KEY is set; None: no online payment."""
        pay = self.settings.payments
        if not pay.enabled:
            return None
        from sync.payments.stripe_checkout import StripeCheckout  # noqa: PLC0415

        return StripeCheckout(pay.stripe_secret_key, pay.stripe_webhook_secret,
                              api_url=pay.stripe_api_url)

    def migrate(self) -> None:
        upgrade(self.engine)

    def migrate_if_behind(self) -> None:
        """`migrate` unless the database is at the code's revision already: one query
        instead of a whole Alembic environment at every command's start (issue 16)."""
        if current_revision(self.engine) != head_revision():
            upgrade(self.engine)

    def require_current_schema(self) -> None:
        """Refuse (SchemaOutOfDate) unless the database is at the code's revision."""
        require_head(self.engine)

    @property
    def embedded(self) -> bool:
        """True on the embedded default: a SQLite file, one machine."""
        return self.engine.dialect.name == "sqlite"

    # --- notifications (NOTIFY): adapters are imported on first use, never at start ---

    @cached_property
    def transports(self) -> dict[str, Transport]:
        """Every configured channel; e-mail and letters always work (local folders)."""
        from hub.bootstrap.notify import build_transports  # noqa: PLC0415

        return build_transports(self.settings)

    def manager_directory(self) -> ManagerDirectory | None:
        from hub.bootstrap.notify import graph_client  # noqa: PLC0415

        return graph_client(self.settings)

    def dispatcher(self, policy: PolicySettings | None = None) -> Dispatcher:
        from hub.bootstrap.notify import build_dispatcher  # noqa: PLC0415

        return build_dispatcher(self.settings, self.engine, self.clock,
                                transports=self.transports,
                                creditor=self.creditor_state().profile,
                                policy=policy or self.policy_settings(),
                                portal=self.portal_links())

    def notify_hook(self, queue: CeleryQueue | None = None) -> CycleHook:
        """The cycle's notify phase; with `queue`, its dispatchers run on the workers."""
        from hub.bootstrap.notify import build_notify_hook  # noqa: PLC0415

        return build_notify_hook(self.settings, self.engine, self.clock,
                                 letters=self.transports.get("letter"),
                                 dispatcher=self.dispatcher,
                                 directory=self.manager_directory(), queue=queue)

    # --- hand-over to hard collection (docs/handover.md) ---

    def case_files(self) -> CaseFiles:
        """Produces and keeps the case files of hand-overs (the PDF with the letters'
        fonts, notifications/dossier.py) for the current creditor."""
        from hub.services.handover.files import CaseFiles  # noqa: PLC0415
        from notifications.dossier import DossierRenderer  # noqa: PLC0415

        return CaseFiles(DossierRenderer(self.settings.notify.letter_font or None),
                         self.creditor_party, now=self.clock.now,
                         language=self.settings.staff_language)

    def creditor_party(self) -> Party:
        """The current creditor as a case file names it: its profile's letterhead, else its
        name in the creditors list."""
        from hub.domain.handover import Party  # noqa: PLC0415
        from hub.ledger.tenancy import current_creditor  # noqa: PLC0415
        from hub.services.staff.creditors import creditor_by_id  # noqa: PLC0415

        with self.engine.connect() as connection:
            creditor = creditor_by_id(connection, current_creditor())
        code = creditor.code if creditor else ""
        profile = self.creditor_state().profile
        if profile is not None:
            return Party(profile.name, code, profile.letterhead()[1:])
        return Party(creditor.name if creditor else "", code)

    def collection_company_profile(self) -> CreditorProfile | None:
        """The profile of the company that runs the hub (the default creditor), which
        takes handed-over cases over; None when it has none."""
        from hub.ledger.tenancy import DEFAULT_CREDITOR  # noqa: PLC0415
        from hub.ledger.tenancy import acting_for  # noqa: PLC0415

        with acting_for(DEFAULT_CREDITOR):
            return self.creditor_state().profile

    def collection_company(self) -> str:
        """The name of the collection company that runs the hub (takes handed-over cases):
        the default creditor's profile name, else its name in the creditors list; "" when
        the operator has no real name (no profile, the migration's placeholder name), for
        the pages to say "the collection company" without a name."""
        from hub.ledger.tenancy import DEFAULT_CREDITOR  # noqa: PLC0415
        from hub.ledger.tenancy import acting_for  # noqa: PLC0415
        from hub.services.staff.creditors import DEFAULT_CREDITOR_NAME  # noqa: PLC0415
        from hub.services.staff.creditors import creditor_by_id  # noqa: PLC0415

        profile = self.collection_company_profile()
        if profile is not None and profile.name:
            return profile.name
        with acting_for(DEFAULT_CREDITOR), self.engine.connect() as connection:
            creditor = creditor_by_id(connection, DEFAULT_CREDITOR)
        name = creditor.name.strip() if creditor else ""
        return "" if name == DEFAULT_CREDITOR_NAME else name

    # --- the task queue (HUB_BROKER_URL): the cycle, dispatch, sheets on workers ---

    @cached_property
    def task_queue(self) -> CeleryQueue | None:
        """Celery on HUB_BROKER_URL; None on the embedded default (everything runs in the
        process that asks, no broker)."""
        url = self.settings.observe.broker_url
        if not url:
            return None
        from hub.queue import CeleryQueue  # noqa: PLC0415  (Celery loads only here)

        return CeleryQueue(url, self.settings.observe.queue_name)

    # --- shared sheets (SHEETS): the backend follows HUB_SHEETS_BACKEND ---

    def sheet_sync(self, backend: str | None = None) -> SheetSync | None:
        """The sheet sync on the configured backend (or `backend`); None when off."""
        from hub.bootstrap.sheets import build_sheet_sync  # noqa: PLC0415

        return build_sheet_sync(self.settings, self.engine, backend=backend,
                                portal_links=self.portal_links)

    def cycle_hooks(self) -> dict[str, list[CycleHook]]:
        """The adapters' phases of the daily cycle (hub/bootstrap/cycle.py runs them)."""
        from hub.services.sheets.hooks import SheetReadBackHook  # noqa: PLC0415
        from hub.services.sheets.hooks import SheetSettingsProblem  # noqa: PLC0415
        from hub.services.sheets.hooks import SheetWriteOutHook  # noqa: PLC0415

        hooks: dict[str, list[CycleHook]] = {"notify": [self.notify_hook()]}
        try:
            sync = self.sheet_sync()
        except (ConfigError, UserError) as exc:  # the cycle still runs, and says why not
            hooks["write_out"] = [SheetSettingsProblem(str(exc))]
            return hooks
        if sync is not None:
            hooks["read_back"] = [SheetReadBackHook(sync, self.clock)]
            hooks["write_out"] = [SheetWriteOutHook(sync, self.clock)]
        return hooks

    # --- rules (RULES): the rule file in force, reloaded when it changed ---

    @cached_property
    def rule_files(self) -> RuleFiles:
        from hub.bootstrap.rules import build_rule_files  # noqa: PLC0415

        return build_rule_files(self.settings, self.engine, self.clock)

    @cached_property
    def campaigns(self) -> Campaigns:
        """Campaigns on top of the rule file in force (docs/campaigns.md)."""
        from hub.services.cycle.campaigns import Campaigns  # noqa: PLC0415

        def in_force() -> tuple[str, str]:
            status = self.policy_status()
            version = status.version or self.rule_files.active()
            if version is None:
                raise RuleFileError("no rule file is in force yet: a campaign needs one")
            return version.text, version.file_name

        return Campaigns(self.engine, self.rule_files, in_force, now=self.clock.now,
                         today=self.clock.today)

    def policy_status(self) -> PolicyStatus:
        """The rules in force, read only (pages, portal, API, CLI reads): an edited
        HUB_RULES_FILE is only reported as pending, never activated here."""
        from hub.bootstrap.rules import rules_path  # noqa: PLC0415

        return self.rule_files.in_force(rules_path(self.settings))

    def policy(self) -> Policy:
        """The rules in force (read only, see `policy_status`)."""
        return self.policy_status().policy

    def experiment_plans(self) -> dict[str, ExperimentPlan]:
        """The experiments of the rule file in force, by name (none under a policy that
        has no experiments)."""
        return {plan.name: plan for plan in self.policy().experiments}

    def experiment_report(self, name: str, *, days: int, as_of: date | None = None,
                          against: str | None = None, effect: float | None = None,
                          currency: str | None = None) -> ExperimentReport:
        """Recovery within `days` per variant of experiment `name`, each variant against
        `against` (default: the rule file's control variant)."""
        from hub.domain.experiments import MINIMUM_EFFECT  # noqa: PLC0415
        from hub.services.prediction.experiments import experiment_report  # noqa: PLC0415

        plan = self.experiment_plans().get(name)
        with self.engine.connect() as connection:
            report = experiment_report(
                connection, name, days=days, as_of=as_of or self.clock.today(),
                control=against or (plan.control if plan else None),
                variants=[v for v, _ in plan.variants] if plan else (), currency=currency,
                effect=MINIMUM_EFFECT if effect is None else effect)
        if against and report.result(against) is None:
            raise UserError(f'experiment "{name}" has no variant "{against}" to compare '
                            f'with; it has {", ".join(v.variant for v in report.variants)}')
        return report

    def policy_settings(self) -> PolicySettings:
        """The settings of the rules in force, or `PolicySettings.without_rules()` when no
        rule file can be read: the one fallback every caller shares (pages, portal, API,
        Slack, phone, dispatch), so none of them guesses its own defaults."""
        from hub.domain.decisions import PolicySettings  # noqa: PLC0415

        try:
            return self.policy().settings
        except (RuleFileError, OSError):
            log.exception("the rule file cannot be read; running without rules: contact "
                          "defaults, and every payment plan goes to review")
            return PolicySettings.without_rules()

    def reload_rules(self) -> PolicyStatus:
        """For the cycle and the scheduler only: activate HUB_RULES_FILE when its content
        changed and passes its checks; a refused file keeps the previous version (logged)."""
        from hub.bootstrap.rules import rules_path  # noqa: PLC0415

        return self.rule_files.policy_from_file(rules_path(self.settings))


def bootstrap(settings: Settings | None = None, clock: Clock | None = None,
              migrate: bool = True) -> Hub:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level, settings.observe.log_format)
    hub = Hub(settings=settings, clock=clock or SystemClock(settings.zone))
    if migrate:
        hub.migrate()
    return hub
