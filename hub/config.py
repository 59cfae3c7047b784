"""Settings, read once from the environment with strict parsing.

Every field here has a row in the README's configuration table (a test checks it).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from hub.domain.checkout import METHODS
from hub.domain.portal import LANGUAGES as STAFF_LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class ConfigError(ValueError):
    """A setting has a value the hub cannot use; the message names the setting."""


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip()
    if raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def env_int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def env_time(env: Mapping[str, str], name: str, default: time) -> time:
    """A time of day written HH:MM (24-hour clock)."""
    raw = env.get(name, "").strip()
    if raw == "":
        return default
    try:
        hours, minutes = raw.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ConfigError(f"{name} must be a time of day such as 06:30, got {raw!r}") from None


def env_secret(env: Mapping[str, str], name: str, default: str) -> str:
    """Read NAME, or the contents of the file named by NAME_FILE."""
    path = env.get(f"{name}_FILE", "").strip()
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE: cannot read {path}: {exc.strerror}") from None
    return env.get(name, default)


def _public_url(raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(f"HUB_PUBLIC_URL must start with http:// or https://, got {raw!r}")
    return raw.rstrip("/")


def _pairs(env: Mapping[str, str], name: str) -> tuple[tuple[str, str], ...]:
    """'Sales=abc,Support=def' -> (("Sales", "abc"), ("Support", "def"))."""
    pairs = []
    for pair in env.get(name, "").split(","):
        if pair.strip():
            key, sep, value = pair.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise ConfigError(f"{name} must look like 'Sales=ID,*=ID', got {pair!r}")
            pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


@dataclass(frozen=True)
class SheetSettings:
    """Shared worklist sheets (docs/sheets.md)."""

    backend: str = "xlsx"  # xlsx | google | smartsheet | off
    directory: Path | None = None  # XLSX workbooks; default var/sheets
    xlsx_workbooks: str = "department"  # one XLSX workbook per department, or per owner
    layout_file: Path | None = None  # None: sync/sheets/layout.yaml
    language: str = "en"  # header language
    portal_links: bool = True  # fill the portal-link column (issues debtor links)
    max_attempts: int = 5  # per request, for 429 / 5xx / rate-limit answers
    google_credentials_file: Path | None = None  # service-account or authorized-user JSON
    google_spreadsheets: tuple[tuple[str, str], ...] = ()  # department (or *) -> key
    google_api_url: str = ""  # empty: Google's own hosts
    google_requests_per_minute: int = 60
    smartsheet_token: str = ""
    smartsheet_api_url: str = ""  # empty: https://api.smartsheet.com/2.0
    smartsheet_sheets: tuple[tuple[str, str], ...] = ()  # department -> sheet id
    smartsheet_workspace: str = ""  # where new sheets are created; empty: "Sheets" home
    smartsheet_requests_per_minute: int = 300

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SheetSettings:
        backend = env.get("HUB_SHEETS_BACKEND", "xlsx").strip().lower() or "xlsx"
        if backend not in ("xlsx", "google", "smartsheet", "off"):
            raise ConfigError(f"HUB_SHEETS_BACKEND must be xlsx, google, smartsheet or off, "
                              f"got {backend!r}")
        credentials = env.get("HUB_GOOGLE_CREDENTIALS_FILE", "").strip()
        workbooks = env.get("HUB_SHEETS_XLSX_WORKBOOKS", "").strip().lower() or "department"
        if workbooks not in ("department", "owner"):
            raise ConfigError(f"HUB_SHEETS_XLSX_WORKBOOKS must be department or owner, got "
                              f"{workbooks!r}")
        return cls(
            backend=backend,
            directory=Path(env["HUB_SHEETS_DIR"]) if env.get("HUB_SHEETS_DIR") else None,
            xlsx_workbooks=workbooks,
            layout_file=Path(env["HUB_SHEETS_LAYOUT"]) if env.get("HUB_SHEETS_LAYOUT")
            else None,
            language=env.get("HUB_SHEETS_LANGUAGE", "").strip() or "en",
            portal_links=env_bool(env, "HUB_SHEETS_PORTAL_LINKS", True),
            max_attempts=env_int(env, "HUB_SHEETS_MAX_ATTEMPTS", 5, minimum=1),
            google_credentials_file=Path(credentials) if credentials else None,
            google_spreadsheets=_pairs(env, "HUB_GOOGLE_SPREADSHEETS"),
            google_api_url=env.get("HUB_GOOGLE_API_URL", "").strip(),
            google_requests_per_minute=env_int(env, "HUB_GOOGLE_REQUESTS_PER_MINUTE", 60,
                                               minimum=1),
            smartsheet_token=env_secret(env, "HUB_SMARTSHEET_TOKEN", "").strip(),
            smartsheet_api_url=env.get("HUB_SMARTSHEET_API_URL", "").strip(),
            smartsheet_sheets=_pairs(env, "HUB_SMARTSHEET_SHEETS"),
            smartsheet_workspace=env.get("HUB_SMARTSHEET_WORKSPACE", "").strip(),
            smartsheet_requests_per_minute=env_int(env, "HUB_SMARTSHEET_REQUESTS_PER_MINUTE",
                                                   300, minimum=1),
        )


@dataclass(frozen=True)
class NotifySettings:
    """Notification channels (docs/notifications.md). Empty credentials: channel off."""

    mail_dir: Path | None = None  # embedded e-mail: .eml files; default var/mail
    letters_dir: Path | None = None  # letter PDFs and print batches; default var/letters
    letter_font: str = ""  # a TTF with the letters of every language; found if empty
    sender_name: str = "Accounts receivable"
    smtp_host: str = ""  # empty: e-mail goes to the mail folder
    smtp_port: int = 587
    smtp_security: str = "starttls"  # starttls | tls | none
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "collections@localhost"
    slack_token: str = ""
    slack_signing_secret: str = ""
    slack_api_url: str = "https://slack.com/api/"
    slack_department_channels: tuple[tuple[str, str], ...] = ()  # department -> channel
    teams_webhook_url: str = ""
    graph_tenant: str = ""
    graph_client_id: str = ""
    graph_client_secret: str = ""
    graph_authority: str = "https://login.microsoftonline.com"
    graph_base_url: str = "https://graph.microsoft.com"
    graph_sender: str = ""  # mailbox for graph_mail; empty: Graph mail is off
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = ""
    twilio_base_url: str = ""  # empty: Twilio's own API host
    twilio_whatsapp_from: str = ""  # WhatsApp sender number; empty: WhatsApp is off
    # approved Content API templates: hub template (or template.language) -> ContentSid
    twilio_whatsapp_templates: tuple[tuple[str, str], ...] = ()
    twilio_voice_from: str = ""  # caller id for reminder calls; empty: voice is off
    staff_channels: tuple[str, ...] = ("slack", "teams", "email")
    digest_all_clear: bool = False  # send "all clear" to people with nothing to do
    escalate_after_days: int = 3  # a task this many days overdue goes to the manager
    dispatch_batch: int = 50
    dispatch_lease_seconds: int = 300
    dispatch_max_attempts: int = 8
    dispatch_backoff_seconds: int = 60
    channel_pause_after: int = 5  # transient failures in a row that pause a channel
    channel_pause_minutes: int = 15  # how long a channel that fails for everyone rests

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NotifySettings:
        security = env.get("HUB_SMTP_SECURITY", "starttls").strip().lower() or "starttls"
        if security not in ("starttls", "tls", "none"):
            raise ConfigError(f"HUB_SMTP_SECURITY must be starttls, tls or none, got {security!r}")
        channels = tuple(part.strip() for part in env.get(
            "HUB_STAFF_CHANNELS", "slack,teams,email").split(",") if part.strip())
        unknown = set(channels) - {"slack", "teams", "email", "graph_mail"}
        if unknown:
            raise ConfigError(f"HUB_STAFF_CHANNELS: unknown channel(s) {sorted(unknown)}; "
                              "use slack, teams, email, graph_mail")
        whatsapp_templates = []
        for pair in env.get("HUB_TWILIO_WHATSAPP_TEMPLATES", "").split(","):
            if pair.strip():
                name, sep, sid = pair.partition("=")
                if not sep or not name.strip() or not sid.strip().startswith("HX"):
                    raise ConfigError("HUB_TWILIO_WHATSAPP_TEMPLATES must look like "
                                      "'reminder-1=HX...,reminder-1.de=HX...' (a Content "
                                      f"SID starts with HX), got {pair!r}")
                whatsapp_templates.append((name.strip(), sid.strip()))
        departments = []
        for pair in env.get("HUB_SLACK_DEPARTMENT_CHANNELS", "").split(","):
            if pair.strip():
                name, sep, channel = pair.partition("=")
                if not sep or not name.strip() or not channel.strip():
                    raise ConfigError("HUB_SLACK_DEPARTMENT_CHANNELS must look like "
                                      f"'sales=C0123,finance=#ar', got {pair!r}")
                departments.append((name.strip(), channel.strip()))
        return cls(
            mail_dir=Path(env["HUB_MAIL_DIR"]) if env.get("HUB_MAIL_DIR") else None,
            letters_dir=Path(env["HUB_LETTERS_DIR"]) if env.get("HUB_LETTERS_DIR") else None,
            letter_font=env.get("HUB_LETTER_FONT", ""),
            sender_name=env.get("HUB_NOTIFY_SENDER_NAME", "") or "Accounts receivable",
            smtp_host=env.get("HUB_SMTP_HOST", "").strip(),
            smtp_port=env_int(env, "HUB_SMTP_PORT", 465 if security == "tls" else 587,
                              minimum=1),
            smtp_security=security,
            smtp_user=env.get("HUB_SMTP_USER", ""),
            smtp_password=env_secret(env, "HUB_SMTP_PASSWORD", ""),
            smtp_from=env.get("HUB_SMTP_FROM", "") or "collections@localhost",
            slack_token=env_secret(env, "HUB_SLACK_TOKEN", ""),
            slack_signing_secret=env_secret(env, "HUB_SLACK_SIGNING_SECRET", ""),
            slack_api_url=env.get("HUB_SLACK_API_URL", "") or "https://slack.com/api/",
            slack_department_channels=tuple(departments),
            teams_webhook_url=env_secret(env, "HUB_TEAMS_WEBHOOK_URL", ""),
            graph_tenant=env.get("HUB_GRAPH_TENANT", "").strip(),
            graph_client_id=env.get("HUB_GRAPH_CLIENT_ID", "").strip(),
            graph_client_secret=env_secret(env, "HUB_GRAPH_CLIENT_SECRET", ""),
            graph_authority=env.get("HUB_GRAPH_AUTHORITY", "")
            or "https://login.microsoftonline.com",
            graph_base_url=env.get("HUB_GRAPH_BASE_URL", "") or "https://graph.microsoft.com",
            graph_sender=env.get("HUB_GRAPH_SENDER", "").strip(),
            twilio_account_sid=env.get("HUB_TWILIO_ACCOUNT_SID", "").strip(),
            twilio_auth_token=env_secret(env, "HUB_TWILIO_AUTH_TOKEN", ""),
            twilio_from=env.get("HUB_TWILIO_FROM", "").strip(),
            twilio_base_url=env.get("HUB_TWILIO_BASE_URL", "").strip(),
            twilio_whatsapp_from=env.get("HUB_TWILIO_WHATSAPP_FROM", "").strip(),
            twilio_whatsapp_templates=tuple(whatsapp_templates),
            twilio_voice_from=env.get("HUB_TWILIO_VOICE_FROM", "").strip(),
            staff_channels=channels,
            digest_all_clear=env_bool(env, "HUB_DIGEST_ALL_CLEAR", False),
            escalate_after_days=env_int(env, "HUB_ESCALATE_AFTER_DAYS", 3, minimum=1),
            dispatch_batch=env_int(env, "HUB_DISPATCH_BATCH", 50, minimum=1),
            dispatch_lease_seconds=env_int(env, "HUB_DISPATCH_LEASE_SECONDS", 300, minimum=1),
            dispatch_max_attempts=env_int(env, "HUB_DISPATCH_MAX_ATTEMPTS", 8, minimum=1),
            dispatch_backoff_seconds=env_int(env, "HUB_DISPATCH_BACKOFF_SECONDS", 60,
                                             minimum=1),
            channel_pause_after=env_int(env, "HUB_CHANNEL_PAUSE_AFTER", 5, minimum=1),
            channel_pause_minutes=env_int(env, "HUB_CHANNEL_PAUSE_MINUTES", 15, minimum=1),
        )


@dataclass(frozen=True)
class PaymentSettings:
    """Paying online through Stripe Checkout (docs/payments.md); off without a secret key."""

    stripe_secret_key: str = ""  # sk_live_... / sk_test_...; empty: no online payment
    stripe_webhook_secret: str = ""  # whsec_... of the hub's webhook endpoint in Stripe
    methods: tuple[str, ...] = ("card",)  # card, ideal, bancontact
    stripe_api_url: str = ""  # empty: Stripe's own API (tests point it at a fake)

    @property
    def enabled(self) -> bool:
        return bool(self.stripe_secret_key)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PaymentSettings:
        key = env_secret(env, "HUB_STRIPE_SECRET_KEY", "").strip()
        secret = env_secret(env, "HUB_STRIPE_WEBHOOK_SECRET", "").strip()
        if key and not key.startswith(("sk_", "rk_")):
            raise ConfigError("HUB_STRIPE_SECRET_KEY must be a Stripe secret or restricted key "
                              "(sk_... or rk_...)")
        if key and not secret:
            raise ConfigError("HUB_STRIPE_WEBHOOK_SECRET is needed with HUB_STRIPE_SECRET_KEY: "
                              "without it no payment could be confirmed")
        methods = tuple(m.strip().lower() for m in
                        env.get("HUB_STRIPE_METHODS", "card").split(",") if m.strip())
        unknown = [m for m in methods if m not in METHODS]
        if unknown or not methods:
            raise ConfigError(f"HUB_STRIPE_METHODS must list some of {', '.join(METHODS)}, "
                              f"got {env.get('HUB_STRIPE_METHODS', '')!r}")
        api_url = env.get("HUB_STRIPE_API_URL", "").strip()
        if api_url and not api_url.startswith(("http://", "https://")):
            raise ConfigError(f"HUB_STRIPE_API_URL must start with http:// or https://, "
                              f"got {api_url!r}")
        return cls(stripe_secret_key=key, stripe_webhook_secret=secret, methods=methods,
                   stripe_api_url=api_url)


@dataclass(frozen=True)
class ObserveSettings:
    """Logs, metrics, health checks and shared rate limits (docs/observability.md)."""

    log_format: str = "auto"  # json | text | auto (JSON when stderr is not a terminal)
    metrics_token: str = ""  # empty: /metrics only from metrics_allow addresses
    metrics_allow: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    ratelimit_storage: str = "memory://"  # redis://host:6379/0 shares limits between workers
    broker_url: str = ""  # the task queue's broker; readiness checks it when set
    queue_name: str = "hub"  # the queue on that broker (one per installation sharing it)
    ready_cycle_max_hours: int = 0  # readiness: the last cycle run at most this old; 0 off
    api_rate_limit: int = 1200  # JSON API requests a minute per person (token or user); 0 off

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ObserveSettings:
        log_format = env.get("HUB_LOG_FORMAT", "").strip().lower() or "auto"
        if log_format not in ("auto", "json", "text"):
            raise ConfigError(f"HUB_LOG_FORMAT must be json, text or auto, got {log_format!r}")
        storage = env.get("HUB_RATELIMIT_STORAGE", "").strip() or "memory://"
        if not storage.startswith(RATELIMIT_SCHEMES):
            raise ConfigError("HUB_RATELIMIT_STORAGE must be memory:// or a redis:// "
                              f"(rediss://, redis+sentinel://) URL, got {storage!r}")
        return cls(log_format=log_format,
                   metrics_token=env_secret(env, "HUB_METRICS_TOKEN", "").strip(),
                   metrics_allow=_networks(env, "HUB_METRICS_ALLOW", cls.metrics_allow),
                   ratelimit_storage=storage,
                   broker_url=env_secret(env, "HUB_BROKER_URL", "").strip(),
                   queue_name=_queue_name(env),
                   ready_cycle_max_hours=env_int(env, "HUB_READY_CYCLE_MAX_HOURS", 0),
                   api_rate_limit=env_int(env, "HUB_API_RATE_LIMIT", 1200))


def _queue_name(env: Mapping[str, str]) -> str:
    name = env.get("HUB_QUEUE_NAME", "").strip() or "hub"
    if not name.replace("-", "").replace("_", "").replace(".", "").isalnum() or len(name) > 100:
        raise ConfigError(f"HUB_QUEUE_NAME must be letters, digits, '-', '_' or '.', "
                          f"at most 100, got {name!r}")
    return name


RATELIMIT_SCHEMES = ("memory://", "redis://", "rediss://", "redis+sentinel://",
                     "redis+cluster://")


def _networks(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """Comma-separated addresses or CIDR networks, each checked now."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    found: list[str] = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        try:
            found.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise ConfigError(f"{name}: {part!r} is not an address or network such as "
                              "10.0.0.0/8") from None
    return tuple(found)


@dataclass(frozen=True)
class Settings:
    var_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""
    timezone: str = "UTC"
    secret_key: str = ""  # empty: a random key is kept in var/secret.key
    api_page_size: int = 50
    api_max_page_size: int = 500
    log_level: str = "INFO"
    progress: bool = True
    public_url: str = "http://127.0.0.1:5000"  # how debtors reach the portal, in links
    portal_link_days: int = 30
    portal_upload_max_bytes: int = 5 * 1024 * 1024
    portal_rate_limit: int = 30  # portal requests a minute per link and per address
    documents_dir: Path | None = None  # invoice copies; default var/documents
    document_max_bytes: int = 5 * 1024 * 1024  # an invoice PDF uploaded through the API
    session_hours: int = 12  # staff stay signed in this long
    signin_max_failures: int = 5  # failed passwords in a row before a lockout
    signin_lockout_minutes: int = 15
    entra_client_id: str = ""  # empty: Microsoft sign-in is off
    entra_client_secret: str = ""
    entra_authority: str = "https://login.microsoftonline.com/organizations"
    notify: NotifySettings = field(default_factory=NotifySettings)
    sheets: SheetSettings = field(default_factory=SheetSettings)
    payments: PaymentSettings = field(default_factory=PaymentSettings)
    observe: ObserveSettings = field(default_factory=ObserveSettings)
    rules_file: Path | None = None  # finance's rule file; None: rules/policies/default.yaml
    templates_dir: Path | None = None  # finance's message templates, over the shipped ones
    creditor_file: Path | None = None  # the creditor profile (hub.creditor); None: none
    enforcement: bool = True  # False: the cycle records decisions but sends and holds nothing
    cycle_time: time = time(6, 0)  # local time (HUB_TIMEZONE) of the daily cycle
    cycle_wait_seconds: int = 0  # how long a cycle waits for a running one; 0: refuse
    cycle_lock_minutes: int = 10  # a cycle lock without a heartbeat this long is taken over
    cycle_full_every_days: int = 7  # evaluate every account at least this often
    cycle_partition_accounts: int = 5000  # accounts per apply round / queue partition
    readback_minutes: int = 5  # scheduler: sheet read-back interval
    dispatch_seconds: int = 60  # scheduler: outbox dispatch interval
    misfire_grace_minutes: int = 60  # scheduler: a job late by more than this is skipped
    web_bind: str = "127.0.0.1:5000"  # `serve`: HOST:PORT (or unix:PATH) to listen on
    web_workers: int = 2  # `serve`: web worker processes
    web_threads: int = 4  # `serve`: threads per worker
    web_timeout_seconds: int = 60  # `serve`: a request taking longer restarts its worker
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-* are believed
    staff_language: str = "en"  # the staff web app, digests and escalations (en nl de pl es)

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.var_dir / 'hub.db'}")

    def signing_key(self) -> str:
        """HUB_SECRET_KEY, or a random key created once and kept in var/secret.key."""
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret.key"
        if not path.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            import secrets  # noqa: PLC0415  (hmac and OpenSSL's hashes: not at every start)

            path.write_text(secrets.token_hex(32), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()

    @property
    def documents_path(self) -> Path:
        """Where invoice copies are kept (document_ref is relative to it)."""
        return self.documents_dir or self.var_dir / "documents"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        var_dir = Path(env.get("HUB_VAR_DIR", "") or PROJECT_ROOT / "var")
        timezone = env.get("HUB_TIMEZONE", "UTC")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"HUB_TIMEZONE must be an IANA time zone such as Europe/Amsterdam, "
                f"got {timezone!r}"
            ) from None
        level = env.get("HUB_LOG_LEVEL", "INFO").upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError(f"HUB_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
        staff_language = env.get("HUB_STAFF_LANGUAGE", "").strip().lower() or "en"
        if staff_language not in STAFF_LANGUAGES:
            raise ConfigError(f"HUB_STAFF_LANGUAGE must be one of {', '.join(STAFF_LANGUAGES)}, "
                              f"got {staff_language!r}")
        return cls(
            staff_language=staff_language,
            var_dir=var_dir,
            database_url=env_secret(env, "HUB_DATABASE_URL", "").strip(),
            timezone=timezone,
            secret_key=env_secret(env, "HUB_SECRET_KEY", ""),
            api_page_size=env_int(env, "HUB_API_PAGE_SIZE", 50, minimum=1),
            api_max_page_size=env_int(env, "HUB_API_MAX_PAGE_SIZE", 500, minimum=1),
            log_level=level,
            progress=env_bool(env, "HUB_PROGRESS", True),
            public_url=_public_url(env.get("HUB_PUBLIC_URL", "") or "http://127.0.0.1:5000"),
            portal_link_days=env_int(env, "HUB_PORTAL_LINK_DAYS", 30, minimum=1),
            portal_upload_max_bytes=env_int(env, "HUB_PORTAL_UPLOAD_MAX_KB", 5120,
                                            minimum=1) * 1024,
            portal_rate_limit=env_int(env, "HUB_PORTAL_RATE_LIMIT", 30, minimum=1),
            documents_dir=Path(env["HUB_DOCUMENTS_DIR"]) if env.get("HUB_DOCUMENTS_DIR")
            else None,
            document_max_bytes=env_int(env, "HUB_DOCUMENT_MAX_KB", 5120, minimum=1) * 1024,
            session_hours=env_int(env, "HUB_SESSION_HOURS", 12, minimum=1),
            signin_max_failures=env_int(env, "HUB_SIGNIN_MAX_FAILURES", 5, minimum=1),
            signin_lockout_minutes=env_int(env, "HUB_SIGNIN_LOCKOUT_MINUTES", 15, minimum=1),
            entra_client_id=env.get("HUB_ENTRA_CLIENT_ID", "").strip(),
            entra_client_secret=env_secret(env, "HUB_ENTRA_CLIENT_SECRET", ""),
            entra_authority=(env.get("HUB_ENTRA_AUTHORITY", "").strip().rstrip("/")
                             or "https://login.microsoftonline.com/organizations"),
            rules_file=Path(env["HUB_RULES_FILE"]) if env.get("HUB_RULES_FILE") else None,
            templates_dir=_folder(env, "HUB_TEMPLATES_DIR"),
            creditor_file=Path(env["HUB_CREDITOR_FILE"]) if env.get("HUB_CREDITOR_FILE")
            else None,
            enforcement=env_bool(env, "HUB_ENFORCEMENT", True),
            cycle_time=env_time(env, "HUB_CYCLE_TIME", time(6, 0)),
            cycle_wait_seconds=env_int(env, "HUB_CYCLE_WAIT_SECONDS", 0),
            cycle_lock_minutes=env_int(env, "HUB_CYCLE_LOCK_MINUTES", 10, minimum=1),
            cycle_full_every_days=env_int(env, "HUB_CYCLE_FULL_EVERY_DAYS", 7, minimum=1),
            cycle_partition_accounts=env_int(env, "HUB_CYCLE_PARTITION_ACCOUNTS", 5000,
                                             minimum=1),
            readback_minutes=env_int(env, "HUB_SCHEDULER_READBACK_MINUTES", 5, minimum=1),
            dispatch_seconds=env_int(env, "HUB_SCHEDULER_DISPATCH_SECONDS", 60, minimum=5),
            misfire_grace_minutes=env_int(env, "HUB_SCHEDULER_MISFIRE_GRACE_MINUTES", 60,
                                          minimum=1),
            web_bind=parse_bind(env.get("HUB_WEB_BIND", "")),
            web_workers=env_int(env, "HUB_WEB_WORKERS", 2, minimum=1),
            web_threads=env_int(env, "HUB_WEB_THREADS", 4, minimum=1),
            web_timeout_seconds=env_int(env, "HUB_WEB_TIMEOUT_SECONDS", 60, minimum=1),
            trusted_proxies=env_int(env, "HUB_TRUSTED_PROXIES", 0),
            notify=NotifySettings.from_env(env),
            sheets=SheetSettings.from_env(env),
            payments=PaymentSettings.from_env(env),
            observe=ObserveSettings.from_env(env),
        )


def parse_bind(raw: str, name: str = "HUB_WEB_BIND") -> str:
    """HUB_WEB_BIND (or serve --bind): HOST:PORT (an IPv6 host in brackets) or unix:PATH."""
    value = raw.strip() or "127.0.0.1:5000"
    if value.startswith("unix:"):
        return value
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{name} must look like 127.0.0.1:5000, 0.0.0.0:8000 or "
                          f"unix:/run/hub.sock, got {raw!r}")
    return value


def _folder(env: Mapping[str, str], name: str) -> Path | None:
    """An optional folder setting; a folder that does not exist is a mistake to say now."""
    value = env.get(name, "").strip()
    if not value:
        return None
    path = Path(value)
    if not path.is_dir():
        raise ConfigError(f"{name}={value}: no such folder")
    return path
