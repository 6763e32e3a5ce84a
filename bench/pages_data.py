"""What the main pages list beyond bench/build.py's ledgers and filings, added in bulk per
programme year (used by bench/pages.py and tests/test_page_queries.py).

After the first `Builder.build_year(N)`, `PagesData.add_history(N - 1)` adds the year
before it as the office imports past years (an accepted second filing of one imported
version, items only, for the alliances running then): the first year measured then has a
last year, as every later one does, and its pages run the queries they run later. After
each `Builder.build_year(N)`, `PagesData.add_year(N)` adds, for that year (first making
sure it has an alliance-year of the showcase's kind, bench/pages_filings.py):

- teams: a PI and an approved assistant (and for one alliance in ten an assistant
  awaiting approval) for every alliance new this year; roles of alliances no longer
  running end;
- the office's review of every second KPI filing (kpi.review): a mark on each of the
  28 items of each version (a returned first version has two flagged items), the
  numbered audit record of each version (the returned one with its findings, the
  final one "no findings", all pointing at one stored placeholder PDF), the emails that
  carried them, and the annual assessment of every alliance-year;
- site visits and events (bench/pages_events.py);
- announcements (ten a year; the newest year's are the last 365 days', older ones
  move back a year each time a year is added, so the dashboards always show some);
- background work: sent reminders, a few emails that failed for good or wait, task
  results (successful deliveries, a few failed tasks), two live workers, and audit
  events (a task recovery among them).

A fixture, not a path through the services: rows go in with `bulk_create` (no emails
sent, no audit rows of their own); dates a model stamps itself (auto_now_add) are set
through `stamped`. Random choices come from one seeded generator, so a dataset is the
same on every run. `showcase(N)` (bench/pages_filings.py) names the alliance-year whose
pages are measured.
"""

import datetime as dt
import hashlib
import random
import time

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import ProgrammeRole, User
from alliances.models import (
    AllianceRole,
    AllianceYear,
    Capability,
    RoleStatus,
    TeamRole,
)
from bench.build_data import BATCH
from bench.pages_events import Gatherings, at, stamped
from bench.pages_filings import add_history, ensure_showcase, showcase
from core.models import AuditEvent, OutboundEmail, WorkerHeartbeat
from core.storage import private_storage
from events.models import Announcement, Audience
from kpi.filings.models import Filing, FilingKind, FilingVersion, SnapshotItem
from kpi.ledger import catalog
from kpi.review.models import Assessment as AssessmentRow
from kpi.review.models import AssessmentOutcome, AuditRecord, MarkVerdict, ReviewMark

OFFICE_EMAIL = "bench-office@example.org"
FLAGGED = {  # what the returned first version got wrong (bench.build_filings)
    "M-COMPANY": ("M3", "多計一家會員廠商：該廠商為研究機構，依 M3 列為其他會員。"),
    "R-TRANSFER": ("R6", "技術移轉收入含非會員廠商之合約，請更正。"),
}
PLACEHOLDER = "audit-records/bench/placeholder.pdf"


def users(rows: list[User]) -> list[User]:
    for user in rows:
        user.password = "!bench"  # no password: the benchmark logs in with force_login
    return User.objects.bulk_create(rows, batch_size=BATCH)


class PagesData:
    """Adds the year's extras after `Builder.build_year`; keeps the office's staff, the
    reviewers and each alliance's team from one year to the next."""

    def __init__(self, *, seed: int = 2017, log=print):
        self.rng = random.Random(seed + 1)
        self.log = log
        self.office, *others = users(
            [User(email=OFFICE_EMAIL, name="辦公室專員", programme_role=ProgrammeRole.OFFICE)]
            + [
                User(
                    email=f"office{n}@bench.example.org",
                    name=f"專員{n}",
                    programme_role=ProgrammeRole.OFFICE,
                )
                for n in range(1, 4)
            ]
        )
        self.staff = [self.office, *others]
        self.reviewers = users(
            [
                User(
                    email=f"reviewer{n}@bench.example.org",
                    name=f"委員{n}",
                    programme_role=ProgrammeRole.REVIEWER,
                )
                for n in range(24)
            ]
        )
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        TOTP.activate(self.office, generate_totp_secret())  # office pages need it (MFA)
        pdf = b"%PDF-1.4\n% bench placeholder: the audit records' stored file\n%%EOF\n"
        storage = private_storage()
        if not storage.exists(PLACEHOLDER):
            storage.save(PLACEHOLDER, ContentFile(pdf))
        self.pdf_sha = hashlib.sha256(pdf).hexdigest()
        now = timezone.now()
        WorkerHeartbeat.objects.bulk_create(
            WorkerHeartbeat(
                worker_id=f"bench-{n}",
                hostname="bench",
                pid=1000 + n,
                queues="default,email",
                started_at=now - dt.timedelta(days=2),
                beat_at=now,
                tasks_run=5000,
            )
            for n in (1, 2)
        )
        self.teams: dict[int, list[User]] = {}  # alliance id → PI, assistant
        self.gatherings = Gatherings(self)

    def add_year(self, roc_year: int) -> float:
        started = time.perf_counter()
        with transaction.atomic():
            ensure_showcase(roc_year)
            ays = list(
                AllianceYear.objects.filter(programme_year__roc_year=roc_year)
                .select_related("alliance", "programme_year")
                .order_by("alliance__code")
            )
            self._teams(ays)
            emails = self._review(roc_year, ays)
            emails += self.gatherings.add(roc_year, ays, showcase(roc_year).pk)
            self._announcements(roc_year)
            self._background(roc_year, ays, emails)
        seconds = time.perf_counter() - started
        self.log(f"  pages' extras of {roc_year}: {seconds:.1f} s")
        return seconds

    def add_history(self, roc_year: int) -> float:
        return add_history(roc_year, self.log)

    # --- teams -------------------------------------------------------------------------

    def _teams(self, ays: list[AllianceYear]) -> None:
        new = [ay.alliance for ay in ays if ay.alliance_id not in self.teams]
        people = []
        for alliance in new:
            code = alliance.code.lower()
            people += [
                User(email=f"pi-{code}@bench.example.org", name=f"{alliance.code}主持人"),
                User(email=f"as-{code}@bench.example.org", name=f"{alliance.code}助理"),
            ]
        people = users(people)
        login = timezone.now() - dt.timedelta(days=3)
        roles, waiting = [], []
        for n, alliance in enumerate(new):
            pi, assistant = people[2 * n], people[2 * n + 1]
            pi.last_login = assistant.last_login = login
            self.teams[alliance.pk] = [pi, assistant]
            roles += [
                AllianceRole(
                    alliance=alliance, user=pi, role=TeamRole.PI, status=RoleStatus.ACTIVE
                ),
                AllianceRole(
                    alliance=alliance,
                    user=assistant,
                    role=TeamRole.ASSISTANT,
                    status=RoleStatus.ACTIVE,
                    capabilities=[Capability.LEDGER, Capability.FILINGS, Capability.EVENTS],
                    decided_by=pi,
                    decided_at=login,
                ),
            ]
            if self.rng.random() < 0.1:
                waiting.append(
                    User(email=f"new-{alliance.code.lower()}@bench.example.org", name="新助理")
                )
                roles.append(
                    AllianceRole(
                        alliance=alliance,
                        role=TeamRole.ASSISTANT,
                        status=RoleStatus.PENDING,
                        note="請核准我協助填報。",
                    )
                )
        User.objects.bulk_update(people, ["last_login"], batch_size=BATCH)
        pending = iter(users(waiting))
        for role in roles:
            if role.status == RoleStatus.PENDING:
                role.user = next(pending)
        AllianceRole.objects.bulk_create(roles, batch_size=BATCH)
        running = [ay.alliance_id for ay in ays]
        AllianceRole.objects.filter(status__in=[RoleStatus.ACTIVE, RoleStatus.PENDING]).exclude(
            alliance_id__in=running
        ).update(status=RoleStatus.ENDED, ended_at=timezone.now())

    # --- the office's review -------------------------------------------------------------

    def _review(self, roc_year: int, ays: list[AllianceYear]) -> list[OutboundEmail]:
        rng = self.rng
        versions = list(
            FilingVersion.objects.filter(
                filing__alliance_year__programme_year__roc_year=roc_year,
                filing__kind=FilingKind.SECOND,
            )
            .select_related("filing__alliance_year")
            .order_by("filing__alliance_year__alliance__code", "number")
        )
        count = {}
        for v in versions:
            count[v.filing_id] = max(count.get(v.filing_id, 0), v.number)
        returned = [v for v in versions if v.number < count[v.filing_id]]
        values = {
            (version_id, code): (entered, counted, target)
            for version_id, code, entered, counted, target in SnapshotItem.objects.filter(
                version__in=returned, code__in=FLAGGED
            ).values_list("version_id", "code", "entered", "counted", "target")
        }
        marks, records = [], []
        for serial, v in enumerate(versions, start=1):
            is_returned = v.number < count[v.filing_id]
            issued = at(roc_year, 14, 1) if is_returned else at(roc_year, 14, 20)
            findings = []
            for item in catalog.ITEMS:
                flagged = is_returned and item.code in FLAGGED
                rule, reason = FLAGGED[item.code] if flagged else ("", "")
                marks.append(
                    ReviewMark(
                        version=v,
                        code=item.code,
                        verdict=MarkVerdict.FLAGGED if flagged else MarkVerdict.ACCEPTED,
                        rule=rule,
                        reason=reason,
                        note="已電話確認。" if flagged else "",
                        by=self.office,
                        at=issued - dt.timedelta(days=1),
                    )
                )
                if flagged:
                    entered, counted, target = values.get((v.pk, item.code), (None,) * 3)
                    findings.append(
                        {
                            "type": "item",
                            "code": item.code,
                            "entered": entered,
                            "counted": counted,
                            "target": target,
                            "rule": rule,
                            "reason": reason,
                        }
                    )
            records.append(
                AuditRecord(
                    filing_id=v.filing_id,
                    version=v,
                    roc_year=roc_year,
                    period=FilingKind.SECOND,
                    serial=serial,
                    findings=findings,
                    correction_due=v.filing.correction_due if is_returned else None,
                    issued_by=self.office,
                    issued_at=issued,
                    pdf=PLACEHOLDER,
                    sha256=self.pdf_sha,
                )
            )
        ReviewMark.objects.bulk_create(marks, batch_size=BATCH)
        AuditRecord.objects.bulk_create(records, batch_size=BATCH)
        AssessmentRow.objects.bulk_create(
            [
                AssessmentRow(
                    alliance_year=ay,
                    outcome=outcome,
                    reasons="年度KPI達成情形良好，會員經營穩定。",
                    conditions="請於下年度加強技術移轉。"
                    if outcome == AssessmentOutcome.CONDITIONS
                    else "",
                    decided_by=self.office,
                    decided_at=at(roc_year, 14, 25),
                )
                for ay in ays
                for outcome in [rng.choices(AssessmentOutcome.values, weights=[85, 13, 2], k=1)[0]]
            ],
            batch_size=BATCH,
        )
        emails = []
        for record in records:
            for person in self.teams[record.version.filing.alliance_year.alliance_id]:
                emails.append(
                    self.email(
                        person.email,
                        f"查核記錄 {record.number}",
                        "audit_record_issued",
                        record.issued_at,
                        dedupe_key=f"auditrecord:{record.pk}:{person.pk}",
                        attachments=[
                            {
                                "path": PLACEHOLDER,
                                "filename": f"audit-record-{record.number}.pdf",
                                "mimetype": "application/pdf",
                            }
                        ],
                    )
                )
        return emails

    # --- announcements and background work -----------------------------------------------

    def _announcements(self, roc_year: int) -> None:
        """Ten a year: the newest year's in the last 365 days (the older ones move back)."""
        from alliances.models import Field

        rng = self.rng
        Announcement.objects.update(published_at=F("published_at") - dt.timedelta(days=365))
        now = timezone.now()
        rows = []
        for n in range(10):
            rows.append(
                Announcement(
                    title=f"{roc_year}年度公告 {n + 1}",
                    body="各聯盟請注意本年度填報期程與相關規定。" * 5,
                    roles=rng.choice(
                        [
                            [],
                            [],
                            [Audience.PI, Audience.CO_PI],
                            [Audience.ASSISTANT],
                            [Audience.OFFICE],
                        ]
                    ),
                    published_at=now - dt.timedelta(days=rng.randint(1, 360)),
                    emailed_at=None,
                    created_by=self.office,
                )
            )
        with stamped(Announcement, "published_at"):
            Announcement.objects.bulk_create(rows)
        fields = list(Field.objects.order_by("order"))
        through = Announcement.fields.through
        through.objects.bulk_create(
            through(announcement_id=a.pk, field_id=f.pk)
            for a in rows[:3]
            for f in rng.sample(fields, 2)
        )

    def email(self, to, subject, template, when, *, status=OutboundEmail.Status.SENT, **extra):
        return OutboundEmail(
            to=[to],
            subject=subject,
            body_text=f"{subject}\n\n" + "請登入產學小聯盟管考平台查看詳細內容。\n" * 12,
            body_html="",
            template=template,
            language="zh-hant",
            status=status,
            attempts=1 if status == OutboundEmail.Status.SENT else 4,
            sent_at=when + dt.timedelta(seconds=30)
            if status == OutboundEmail.Status.SENT
            else None,
            created_at=when,
            **extra,
        )

    def _background(self, roc_year: int, ays, emails: list[OutboundEmail]) -> None:
        from django.tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult, get_date_max

        rng = self.rng
        for ay in ays:
            pi = self.teams[ay.alliance_id][0]
            for n, month in enumerate((10, 11, 12, 13)):
                emails.append(
                    self.email(
                        pi.email,
                        f"{roc_year}年度第二次KPI填報提醒",
                        "filing_reminder",
                        at(roc_year, month, 15),
                        dedupe_key=f"reminder:{ay.pk}:second:{n}",
                    )
                )
        for n in range(3):
            email = self.email(
                f"gone{n}@firm.example.com.tw",
                "活動報名確認",
                "event_registered",
                at(roc_year, 9, 1 + n),
                status=OutboundEmail.Status.FAILED,
            )
            email.last_error = "SMTPRecipientsRefused: 550 5.1.1 user unknown"
            emails.append(email)
        for status in (OutboundEmail.Status.QUEUED, OutboundEmail.Status.RETRYING):
            email = self.email(
                "slow@firm.example.com.tw",
                "密碼重設",
                "password_reset",
                timezone.now(),
                status=status,
            )
            email.last_error = "" if status == "queued" else "TimeoutError: timed out"
            emails.append(email)
        with stamped(OutboundEmail, "created_at"):
            OutboundEmail.objects.bulk_create(emails, batch_size=BATCH)

        tasks = []
        for email in emails:
            ok = email.status == OutboundEmail.Status.SENT
            tasks.append(
                DBTaskResult(
                    status=TaskResultStatus.SUCCESSFUL if ok else TaskResultStatus.FAILED,
                    enqueued_at=email.created_at,
                    started_at=email.created_at,
                    finished_at=email.created_at + dt.timedelta(seconds=30),
                    args_kwargs={"args": [email.pk], "kwargs": {}},
                    task_path="core.mail.deliver_email",
                    worker_ids=[f"bench-{rng.randint(1, 2)}"],
                    queue_name="email",
                    backend_name="default",
                    run_after=get_date_max(),
                    return_value="sent" if ok else None,
                    exception_class_path="" if ok else "smtplib.SMTPRecipientsRefused",
                    traceback="" if ok else "Traceback (most recent call last):\n  ...\n",
                )
            )
        with stamped(DBTaskResult, "enqueued_at"):
            DBTaskResult.objects.bulk_create(tasks, batch_size=BATCH)

        from django.contrib.contenttypes.models import ContentType

        kind = ContentType.objects.get_for_model(Filing)
        events = [
            AuditEvent(
                occurred_at=at(roc_year, month, 20),
                actor=self.teams[ay.alliance_id][rng.randint(0, 1)],
                action=action,
                target_type=kind,
                target_id=str(ay.pk),
                target_repr=f"{ay.alliance.code} {roc_year}",
                alliance=ay.alliance,
                after={"state": action.rsplit(".", 1)[-1]},
            )
            for ay in ays
            for month, action in [
                (5, "record.saved"),
                (8, "record.saved"),
                (13, "filing.submitted"),
            ]
        ]
        events.append(
            AuditEvent(
                occurred_at=timezone.now() - dt.timedelta(days=1),
                action="task.requeued",
                target_type=kind,
                target_id="0",
                target_repr="core.mail.deliver_email",
                reason="worker bench-1 stopped while running this task",
            )
        )
        with stamped(AuditEvent, "occurred_at"):
            AuditEvent.objects.bulk_create(events, batch_size=BATCH)
