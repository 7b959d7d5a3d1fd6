"""`manage.py notify`: send every subscription's message that is due at a moment, exactly once.

A run at `at`:
1. Retries: deliveries left pending or failed by earlier runs are sent again, with the content
   stored when they were made, until [notify_max_attempts] attempts; then they are abandoned (and
   their alerts become new again, so a later message carries them).
2. Due subscriptions: each subscription's latest schedule slot at or before `at` (weekly: its
   weekday and time; daily: its time; each_run: `at` itself) that has no delivery yet. A new
   subscription therefore gets the current period's message at the next run.
3. Messages: a brief gets the headline figures of its scope (metrics.headline: the last 13 full
   weeks against the 13 before) and the joint meeting's PDF brief (reports.brief, whole program,
   agenda as of `at`), made once per language (at scale in a child process while the alerts are
   evaluated and sent) and stored once (delivery_files). Alerts are evaluated once for the run
   (metrics.alerts) and each subscription gets those of its rules and scope that it was not told
   yet (delivery_items: one row per rule, subject and period); no new alert, no message.
4. New messages are stored in batches of BATCH (deliveries with their alert items, taken by this
   run: status sending, attempt 1) in one transaction, so two runs at once cannot both make one
   (unique subscription and slot); then each is sent, and the batch's outcomes recorded (sent, or
   failed with the error). A run that dies between sending and recording leaves its batch
   "sending": a later run sends those again after STALE_SENDING, so a crash can repeat at most one
   batch, and never loses a message.

A dry run does 2 and 3 without storing or sending anything and lists what would go where.
A subscription whose channel is not configured (no DASHBOARD_SMTP_URL, an unknown webhook name, no
Chinese font for the PDF) is reported (the command exits 1) and left due: nothing is stored for it,
so it goes out at the first run after the setting is fixed. One whose owner removed their email
address is only noted. The app itself never sends: only this command.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from data_access import notify_config, security
from data_access.models import Delivery, DeliveryFile, DeliveryItem
from data_access.settings import load_settings
from data_access.subscriptions import active_subscriptions
from metrics import alerts as alert_rules
from metrics import headline
from metrics.sql import side_by_side
from metrics.window import Scope
from reports import notify_text
from reports.channels import WEBHOOK_MAX_BYTES, EmailSender, SendError, build_email, post_webhook, webhook_payload

STALE_SENDING = dt.timedelta(minutes=15)  # a delivery claimed this long ago by a run that died
CHUNK = 400
BATCH = 200  # new messages stored, sent and recorded together
SEND_THREADS = 4
# Alert subscriptions due from which the brief's PDF is made in a child process meanwhile.
PDF_PROCESS_MIN_ALERTS = 100


@dataclass
class Message:
    """One planned message: for a subscription's slot, to one recipient."""

    subscription: dict
    slot: dt.datetime
    recipient: str  # email address or webhook name
    subject: str
    body: str
    markdown: str | None = None
    attachment: tuple[str, bytes] | None = None
    items: list = field(default_factory=list)  # the Alerts it tells
    covered: list = field(default_factory=list)  # Alerts told by another line (last week, within two weeks running)


@dataclass
class RunReport:
    at: dt.datetime
    planned: list[Message] = field(default_factory=list)
    sent: list[tuple[int, str, str]] = field(default_factory=list)  # (delivery id, recipient, subject)
    failed: list[tuple[int, str, str]] = field(default_factory=list)  # (delivery id, recipient, error)
    abandoned: list[int] = field(default_factory=list)
    retries: list[dict] = field(default_factory=list)  # deliveries due for another attempt (dry run: listed)
    skipped: list[tuple[dict, str]] = field(default_factory=list)  # (subscription, reason)
    notes: list[str] = field(default_factory=list)  # settings worth knowing about (dry run: SMTP not set)
    timings: dict[str, float] = field(default_factory=dict)


# --- schedule ------------------------------------------------------------------------------------


def latest_slot(subscription: dict, at: dt.datetime) -> dt.datetime:
    """The subscription's last scheduled moment at or before `at` (each_run: `at`)."""
    at = at.replace(second=0, microsecond=0)
    if subscription["frequency"] == "each_run":
        return at
    hour, minute = map(int, subscription["send_time"].split(":"))
    slot = at.replace(hour=hour, minute=minute)
    if subscription["frequency"] == "daily":
        return slot if slot <= at else slot - dt.timedelta(days=1)
    slot -= dt.timedelta(days=(at.weekday() - subscription["weekday"]) % 7)
    return slot if slot <= at else slot - dt.timedelta(days=7)


def _delivered_slots(conn: Connection, wanted: list[tuple[int, dt.datetime]]) -> set[tuple[int, dt.datetime]]:
    found: set = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        query = select(Delivery.subscription_id, Delivery.slot).where(
            Delivery.subscription_id.in_([sid for sid, _ in chunk]), Delivery.slot.in_({slot for _, slot in chunk})
        )
        found.update((sid, slot) for sid, slot in conn.execute(query))
    return found


def due_subscriptions(conn: Connection, at: dt.datetime) -> list[tuple[dict, dt.datetime]]:
    """(subscription, slot) of every active subscription whose latest slot has no delivery."""
    subscriptions = active_subscriptions(conn)
    slots = [(sub, latest_slot(sub, at)) for sub in subscriptions]
    delivered = _delivered_slots(conn, [(sub["id"], slot) for sub, slot in slots])
    return [(sub, slot) for sub, slot in slots if (sub["id"], slot) not in delivered]


# --- composing -----------------------------------------------------------------------------------


def _told(conn: Connection, subscription_ids: list[int], found: list) -> set[tuple]:
    """(subscription_id, rule, subject, period) already told, for the alerts found in this run."""
    told: set = set()
    subjects: dict[str, list[str]] = {}
    for alert in found:
        subjects.setdefault(alert.rule, []).append(alert.subject)
    ids = sorted(set(subscription_ids))
    for rule, names in subjects.items():
        names = sorted(set(names))
        for start in range(0, len(names), CHUNK):
            query = select(DeliveryItem.subscription_id, DeliveryItem.subject, DeliveryItem.period).where(
                DeliveryItem.rule == rule, DeliveryItem.subject.in_(names[start : start + CHUNK])
            )
            if len(ids) <= CHUNK:
                query = query.where(DeliveryItem.subscription_id.in_(ids))
            told.update((sid, rule, subject, period) for sid, subject, period in conn.execute(query))
    return told


class Composer:
    """Makes the messages of one run; what several subscriptions share is computed once."""

    def __init__(self, engine: Engine, at: dt.datetime, settings: dict, base_url: str | None, dry_run: bool):
        self.engine, self.at, self.settings, self.base_url, self.dry_run = engine, at, settings, base_url, dry_run
        self.window = headline.brief_window(at)
        self._figures: dict[Scope, dict] = {}
        self._pdfs: dict[str, tuple[str, bytes]] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._pdf_job: Future | None = None
        self.alerts: list = []
        self.told: set = set()
        self._by_scope: dict[tuple[str, str], list] = {}

    def evaluate_alerts(self, due: list[tuple[dict, dt.datetime]]) -> None:
        rules = {rule for sub, _ in due if sub["kind"] == "alerts" for rule in sub["rules"]}
        if not rules:
            return
        with self.engine.connect() as conn:
            self.alerts = alert_rules.evaluate(conn, self.at, self.settings, tuple(rules))
            ids = [sub["id"] for sub, _ in due if sub["kind"] == "alerts"]
            self.told = _told(conn, ids, self.alerts)
        # Each subscription looks only at the alerts of its scope (thousands of subscriptions times
        # thousands of alerts would not do); the lists keep the alerts' order.
        for alert in self.alerts:
            for kind, keys in (("self", alert.employee_nos), ("team", alert.teams), ("town", alert.towns)):
                for key in keys:
                    self._by_scope.setdefault((kind, key), []).append(alert)

    def in_scope(self, sub: dict) -> list:
        kind = sub["scope_kind"]
        if kind == "all":
            return self.alerts
        key = sub["employee_no"] if kind == "self" else sub["scope_value"]
        return self._by_scope.get((kind, key), [])

    def figures(self, scope: Scope) -> dict:
        if scope not in self._figures:
            self.read_figures([scope])
        return self._figures[scope]

    def read_figures(self, scopes: list[Scope]) -> None:
        """The headline figures of every scope, both windows, read on two connections at once."""
        scopes = [scope for scope in dict.fromkeys(scopes) if scope not in self._figures]
        windows = (self.window, self.window.previous())
        reads = [
            lambda conn, scope=scope, window=window: headline.figures(conn, window, self.settings, scope)
            for scope in scopes
            for window in windows
        ]
        results = iter(side_by_side(self.engine, reads))
        for scope in scopes:
            now, before = next(results), next(results)
            before["expert_coverage"] = None  # today's roster, not windowed
            self._figures[scope] = {key: (now[key], before[key]) for key in headline.FIGURES}

    def start_pdfs(self, langs: set[str]) -> None:
        """Start making the brief's PDF in `langs` in a child process: fpdf's rendering is pure Python
        and takes seconds per language, so it runs while this process evaluates and sends alerts.
        (A small run renders in this process when a PDF is needed: starting a child costs more.)"""
        if self.dry_run or not langs or self._pdf_job is not None:
            return
        url = self.engine.url.render_as_string(hide_password=False)
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        self._pdf_job = self._pool.submit(
            render_briefs, url, self.window, self.at.date(), self.settings, tuple(sorted(langs))
        )

    def pdf(self, lang: str) -> tuple[str, bytes] | None:
        """The joint meeting brief (reports.brief.render_brief over the report and agenda that
        build_brief reads) in `lang`: FontMissing when no Chinese font is installed."""
        if self.dry_run:
            return None
        if lang not in self._pdfs:
            from reports.brief import LABELS

            rendered = self._pdf_job.result() if self._pdf_job is not None else {}
            if lang not in rendered:
                rendered = render_briefs_with(self.engine, self.window, self.at.date(), self.settings, (lang,))
            for done, content in rendered.items():
                self._pdfs[done] = (f"{LABELS[done]['title']}_{self.at:%Y-%m-%d}.pdf", content)
        return self._pdfs[lang]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def brief(self, sub: dict, slot: dt.datetime, recipient: str) -> Message:
        lang = sub["language"]
        figures = self.figures(brief_scope(sub))
        subject = notify_text.brief_subject(self.at, lang)
        body = notify_text.brief_email(sub, figures, self.window, self.at, self.base_url, lang)
        markdown = None
        attachment = None
        if sub["channel"] == "webhook":
            markdown = notify_text.brief_markdown(sub, figures, self.window, self.at, self.base_url, lang)[1]
        else:
            attachment = self.pdf(lang)
        return Message(sub, slot, recipient, subject, body, markdown, attachment)

    def alert_message(self, sub: dict, slot: dt.datetime, recipient: str) -> Message | None:
        lang, rules = sub["language"], set(sub["rules"])
        items = [
            alert
            for alert in self.in_scope(sub)
            if alert.rule in rules and (sub["id"], alert.rule, alert.subject, alert.period) not in self.told
        ]
        if not items:
            return None
        two_weeks = {alert.subject for alert in items if alert.rule == "attendance_two_weeks"}
        covered = [alert for alert in items if alert.rule == "attendance_week" and alert.subject in two_weeks]
        items = [alert for alert in items if alert not in covered]
        subject = notify_text.alerts_subject(items, self.at, lang)
        body = notify_text.alerts_email(sub, items, self.at, self.base_url, lang)
        markdown = None
        if sub["channel"] == "webhook":
            markdown = fit(notify_text.alerts_markdown(items, self.at, self.base_url, lang)[1], WEBHOOK_MAX_BYTES)
        return Message(sub, slot, recipient, subject, body, markdown, items=items, covered=covered)


def render_briefs_with(
    engine: Engine, window, as_of: dt.date, settings: dict, langs: tuple[str, ...]
) -> dict[str, bytes]:
    """The brief's PDF per language: one report (build_report_parallel, equal to build_brief's
    build_report) and one agenda for all of them, rendered by reports.brief.render_brief."""
    from metrics import meeting
    from metrics.report import build_report_parallel
    from reports.brief import find_cjk_font, render_brief

    find_cjk_font()  # FontMissing before any query
    with engine.connect() as conn:
        agenda = meeting.agenda(conn, as_of, settings)
    report = build_report_parallel(engine, window, settings)
    return {lang: render_brief(report, agenda, window, settings, lang) for lang in langs}


def render_briefs(url: str, window, as_of: dt.date, settings: dict, langs: tuple[str, ...]) -> dict[str, bytes]:
    """render_briefs_with() in a child process, on an engine of its own."""
    from data_access.db import make_engine

    engine = make_engine(url)
    try:
        return render_briefs_with(engine, window, as_of, settings, langs)
    finally:
        engine.dispose()


def brief_scope(sub: dict) -> Scope:
    return Scope(
        town=sub["scope_value"] if sub["scope_kind"] == "town" else None,
        team=sub["scope_value"] if sub["scope_kind"] == "team" else None,
    )


def fit(markdown: str, limit: int) -> str:
    """Whole lines of `markdown` within `limit` bytes of UTF-8, with … when some were left out."""
    if len(markdown.encode("utf-8")) <= limit:
        return markdown
    kept, size = [], 4
    for line in markdown.split("\n"):
        size += len(line.encode("utf-8")) + 1
        if size > limit:
            break
        kept.append(line)
    return "\n".join(kept + ["…"])


def _recipient(sub: dict, webhooks: dict[str, str], smtp_ready: bool) -> tuple[str | None, str | None]:
    """(recipient, None); (None, the setting to fix) when a channel is not configured; (None, None)
    when the owner has no email address (any more)."""
    if sub["channel"] == "webhook":
        if sub["webhook"] not in webhooks:
            return None, f"webhook {sub['webhook']!r} is not configured (DASHBOARD_WEBHOOK_{sub['webhook'].upper()})"
        return sub["webhook"], None
    if not sub["email"]:
        return None, None  # the owner removed their address: nothing to send, nothing to fix here
    if not smtp_ready:
        return None, "DASHBOARD_SMTP_URL is not set"
    return sub["email"], None


def plan_messages(
    engine: Engine,
    at: dt.datetime,
    settings: dict,
    *,
    dry_run: bool,
    webhooks: dict[str, str],
    smtp_ready: bool,
    report: RunReport,
    base_url: str | None,
) -> tuple[Composer, list]:
    """The alert messages due (into report.planned); returns the composer and the briefs due,
    (subscription, slot, recipient), whose PDF is being made meanwhile (Composer.start_pdfs)."""
    with engine.connect() as conn:
        due = due_subscriptions(conn, at)
    ready = []
    for sub, slot in due:
        recipient, problem = _recipient(sub, webhooks, smtp_ready or dry_run)
        if problem:
            report.skipped.append((sub, problem))
        elif recipient is None:
            report.notes.append(f"subscription #{sub['id']} of {sub['username']}: no email address, nothing sent")
        else:
            ready.append((sub, slot, recipient))
    composer = Composer(engine, at, settings, base_url, dry_run)
    briefs = [(sub, slot, recipient) for sub, slot, recipient in ready if sub["kind"] == "brief"]
    if sum(sub["kind"] == "alerts" for sub, _, _ in ready) >= PDF_PROCESS_MIN_ALERTS:
        composer.start_pdfs({sub["language"] for sub, _, _ in briefs if sub["channel"] == "email"})
    composer.evaluate_alerts([(sub, slot) for sub, slot, _ in ready])
    for sub, slot, recipient in ready:
        if sub["kind"] == "alerts":
            message = composer.alert_message(sub, slot, recipient)
            if message is not None:
                report.planned.append(message)
    if not base_url:
        report.notes.append("DASHBOARD_BASE_URL is not set: messages carry no links to the dashboard")
    return composer, briefs


def plan_briefs(composer: Composer, briefs: list, report: RunReport) -> list[Message]:
    """The brief messages (waiting for their PDF); a brief that cannot be made is reported, not sent."""
    from reports.brief import FontMissing

    composer.read_figures([brief_scope(sub) for sub, _, _ in briefs])
    messages = []
    for sub, slot, recipient in briefs:
        try:
            messages.append(composer.brief(sub, slot, recipient))
        except FontMissing as error:
            report.skipped.append((sub, str(error)))
    report.planned += messages
    return messages


# --- storing and sending -------------------------------------------------------------------------


def _store_file(conn: Connection, attachment: tuple[str, bytes], known: set[str]) -> str:
    filename, content = attachment
    digest = hashlib.sha256(content).hexdigest()
    if (
        digest not in known
        and conn.execute(select(DeliveryFile.sha256).where(DeliveryFile.sha256 == digest)).first() is None
    ):
        conn.execute(
            insert(DeliveryFile).values(sha256=digest, filename=filename, content=content, created_at=security.now())
        )
    known.add(digest)
    return digest


def _insert_messages(conn: Connection, messages: list[Message], known_files: set[str]) -> list[tuple[Message, int]]:
    now = security.now()
    rows = []
    for message in messages:
        sub = message.subscription
        rows.append(
            {
                "subscription_id": sub["id"],
                "slot": message.slot,
                "kind": sub["kind"],
                "channel": sub["channel"],
                "recipient": message.recipient,
                "username": sub["username"],
                "subject": message.subject[:300],
                "body": message.body,
                "markdown": message.markdown,
                "items": len(message.items),
                "file_sha256": _store_file(conn, message.attachment, known_files) if message.attachment else None,
                "status": "sending",
                "attempts": 1,
                "created_at": now,
                "last_attempt_at": now,
            }
        )
    ids = conn.execute(insert(Delivery).returning(Delivery.id, sort_by_parameter_order=True), rows).scalars().all()
    items = [
        {
            "delivery_id": delivery_id,
            "subscription_id": message.subscription["id"],
            "rule": alert.rule,
            "subject": alert.subject[:120],
            "period": alert.period,
        }
        for message, delivery_id in zip(messages, ids)
        for alert in message.items + message.covered
    ]
    if items:
        conn.execute(insert(DeliveryItem), items)
    return list(zip(messages, ids))


def store(engine: Engine, messages: list[Message], known_files: set[str]) -> list[tuple[Message, int]]:
    """Store messages with their alert items, taken for this run (sending, attempt 1), in one
    transaction; (message, delivery id) of each. A message another run stored first (the same
    subscription and slot) is left out: then they are stored one by one."""
    try:
        with engine.begin() as conn:
            return _insert_messages(conn, messages, known_files)
    except IntegrityError:
        known_files.clear()  # the batch's files were rolled back with it
        stored = []
        for message in messages:
            try:
                with engine.begin() as conn:
                    stored += _insert_messages(conn, [message], set())
            except IntegrityError:
                continue
        return stored


def _claim(engine: Engine, delivery: dict) -> bool:
    """Take a delivery for this run (attempts + 1); False when another run took it first."""
    with engine.begin() as conn:
        result = conn.execute(
            update(Delivery)
            .where(
                Delivery.id == delivery["id"],
                Delivery.attempts == delivery["attempts"],
                Delivery.status.in_(("pending", "failed", "sending")),
            )
            .values(status="sending", attempts=Delivery.attempts + 1, last_attempt_at=security.now())
        )
        return result.rowcount == 1


def _finish(engine: Engine, outcomes: list[tuple[int, str | None]], max_attempts: int) -> dict[int, str]:
    """Record (delivery id, error or None) of sends: sent, failed, or abandoned at the attempt limit
    (whose alerts then become new again for a later message). Returns id -> status."""
    statuses: dict[int, str] = {}
    now = security.now()
    sent = [delivery_id for delivery_id, error in outcomes if error is None]
    with engine.begin() as conn:
        for start in range(0, len(sent), CHUNK):
            conn.execute(
                update(Delivery)
                .where(Delivery.id.in_(sent[start : start + CHUNK]))
                .values(status="sent", sent_at=now, error=None)
            )
        statuses.update((delivery_id, "sent") for delivery_id in sent)
        for delivery_id, error in outcomes:
            if error is None:
                continue
            attempts = conn.execute(select(Delivery.attempts).where(Delivery.id == delivery_id)).scalar()
            status = "abandoned" if attempts >= max_attempts else "failed"
            conn.execute(update(Delivery).where(Delivery.id == delivery_id).values(status=status, error=error[:2000]))
            if status == "abandoned":
                conn.execute(delete(DeliveryItem).where(DeliveryItem.delivery_id == delivery_id))
            statuses[delivery_id] = status
    return statuses


DELIVERY_FIELDS = (
    Delivery.id,
    Delivery.attempts,
    Delivery.channel,
    Delivery.recipient,
    Delivery.subject,
    Delivery.body,
    Delivery.markdown,
    Delivery.file_sha256,
    Delivery.status,
)


def retry_candidates(conn: Connection, max_attempts: int, now: dt.datetime) -> list[dict]:
    stale = now - STALE_SENDING
    query = (
        select(*DELIVERY_FIELDS)
        .where(
            Delivery.attempts < max_attempts,
            or_(
                Delivery.status.in_(("pending", "failed")),
                and_(Delivery.status == "sending", Delivery.last_attempt_at < stale),
            ),
        )
        .order_by(Delivery.id)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


class Sender:
    """The channels of one run: SEND_THREADS threads, each with its own SMTP connection for the
    whole run (a server answers each command of a message in turn, so the waiting overlaps), and
    one POST per webhook message."""

    def __init__(self, engine: Engine, smtp: notify_config.SmtpConfig | None, webhooks: dict[str, str]):
        self.engine, self.webhooks, self.smtp = engine, webhooks, smtp
        self._files: dict[str, tuple[str, bytes]] = {}
        self._local = threading.local()
        self._opened: list[EmailSender] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=SEND_THREADS, thread_name_prefix="notify-send")

    def attachment(self, digest: str | None) -> tuple[str, bytes] | None:
        if digest is None:
            return None
        if digest not in self._files:
            with self.engine.connect() as conn:
                row = conn.execute(
                    select(DeliveryFile.filename, DeliveryFile.content).where(DeliveryFile.sha256 == digest)
                ).one()
            self._files[digest] = (row.filename, bytes(row.content))
        return self._files[digest]

    def keep(self, attachment: tuple[str, bytes]) -> None:
        self._files.setdefault(hashlib.sha256(attachment[1]).hexdigest(), attachment)

    def _email(self) -> EmailSender:
        sender = getattr(self._local, "email", None)
        if sender is None:
            sender = self._local.email = EmailSender(self.smtp)
            with self._lock:
                self._opened.append(sender)
        return sender

    def send(self, delivery: dict) -> None:
        if delivery["channel"] == "webhook":
            url = self.webhooks.get(delivery["recipient"])
            if url is None:
                raise SendError(f"webhook {delivery['recipient']!r} is not configured")
            title = delivery["subject"]
            post_webhook(url, webhook_payload(url, title, delivery["markdown"] or delivery["body"], delivery["body"]))
            return
        if self.smtp is None:
            raise SendError("DASHBOARD_SMTP_URL is not set")
        self._email().send(
            build_email(
                self.smtp.sender,
                delivery["recipient"],
                delivery["subject"],
                delivery["body"],
                self.attachment(delivery["file_sha256"]),
            )
        )

    def send_all(self, deliveries: list[dict]) -> dict[int, str | None]:
        """delivery id -> None when sent, else the error."""
        errors = self._pool.map(lambda delivery: _outcome(self, delivery), deliveries)
        return {delivery["id"]: error for delivery, error in zip(deliveries, errors)}

    def close(self) -> None:
        self._pool.shutdown()
        for sender in self._opened:
            sender.close()


def _outcome(sender: Sender, delivery: dict) -> str | None:
    try:
        sender.send(delivery)
        return None
    except SendError as failure:
        return str(failure)


def _report(report: RunReport, deliveries: list[dict], errors: dict[int, str | None], statuses: dict[int, str]) -> None:
    for delivery in deliveries:
        status = statuses.get(delivery["id"])
        if status == "sent":
            report.sent.append((delivery["id"], delivery["recipient"], delivery["subject"]))
        elif status is not None:
            report.failed.append((delivery["id"], delivery["recipient"], errors[delivery["id"]] or ""))
            if status == "abandoned":
                report.abandoned.append(delivery["id"])


def retry(engine: Engine, sender: Sender, delivery: dict, max_attempts: int, report: RunReport) -> None:
    """Another attempt at a stored delivery, unless another run took it first."""
    if not _claim(engine, delivery):
        return
    error = _outcome(sender, delivery)
    _report(report, [delivery], {delivery["id"]: error}, _finish(engine, [(delivery["id"], error)], max_attempts))


def send_new(
    engine: Engine, sender: Sender, messages: list[Message], max_attempts: int, report: RunReport, known_files: set[str]
) -> None:
    """Store a batch of new messages, send them, record the outcomes (three transactions a batch)."""
    deliveries = []
    for message, delivery_id in store(engine, messages, known_files):
        if message.attachment:
            sender.keep(message.attachment)
        deliveries.append(
            {
                "id": delivery_id,
                "channel": message.subscription["channel"],
                "recipient": message.recipient,
                "subject": message.subject,
                "body": message.body,
                "markdown": message.markdown,
                "file_sha256": _digest(message.attachment),
            }
        )
    errors = sender.send_all(deliveries)
    _report(report, deliveries, errors, _finish(engine, list(errors.items()), max_attempts))


def run(
    engine: Engine, at: dt.datetime, *, dry_run: bool = False, progress: Callable[[str], None] | None = None
) -> RunReport:
    """Send (or, dry, list) everything due at `at`; see the module docstring. Alerts go out while the
    brief's PDF is being made; the briefs follow."""
    import time

    say = progress or (lambda text: None)
    report = RunReport(at)
    smtp = notify_config.smtp_config()  # ConfigError for an unusable URL: the caller reports it
    webhooks = notify_config.webhooks()
    with engine.connect() as conn:
        settings = load_settings(conn)
        max_attempts = int(settings["notify_max_attempts"])
        report.retries = retry_candidates(conn, max_attempts, security.now())
    started = time.perf_counter()
    composer, briefs = plan_messages(
        engine,
        at,
        settings,
        dry_run=dry_run,
        webhooks=webhooks,
        smtp_ready=smtp is not None,
        report=report,
        base_url=notify_config.base_url(),
    )
    try:
        if dry_run:
            plan_briefs(composer, briefs, report)
            if smtp is None and any(m.subscription["channel"] == "email" for m in report.planned):
                report.notes.append("DASHBOARD_SMTP_URL is not set: the emails listed would not be sent")
            report.timings["compose"] = time.perf_counter() - started
            return report
        report.timings["compose"] = time.perf_counter() - started
        started = time.perf_counter()
        sender = Sender(engine, smtp, webhooks)
        known_files: set[str] = set()
        try:
            for delivery in report.retries:
                say(f"retry #{delivery['id']} to {delivery['recipient']}")
                retry(engine, sender, delivery, max_attempts, report)
            alerts = list(report.planned)
            for batch in range(0, len(alerts), BATCH):
                send_new(engine, sender, alerts[batch : batch + BATCH], max_attempts, report, known_files)
            waited = time.perf_counter()
            messages = plan_briefs(composer, briefs, report)
            report.timings["brief wait"] = time.perf_counter() - waited
            for batch in range(0, len(messages), BATCH):
                send_new(engine, sender, messages[batch : batch + BATCH], max_attempts, report, known_files)
        finally:
            sender.close()
        report.timings["send"] = time.perf_counter() - started
        return report
    finally:
        composer.close()


def _digest(attachment: tuple[str, bytes] | None) -> str | None:
    return hashlib.sha256(attachment[1]).hexdigest() if attachment else None
