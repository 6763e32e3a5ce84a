"""An alliance-year's filings (domain.md §4): the filing, its submitted versions with the
figures and records they certified, its transitions and extensions."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kpi.ledger.models import ActivityKind, OutcomeKind, RevenueKind


class FilingKind(models.TextChoices):
    EXPECTED = "expected", _("Expected outcomes")
    FIRST = "first", _("First KPI filing")
    SECOND = "second", _("Second KPI filing")


class FilingState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    RETURNED = "returned", _("Returned for correction")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    ACCEPTED = "accepted", _("Accepted")


# The alliance may prepare and submit a filing in these states; in every other state the
# filing is with the office (or final) and nothing of it changes on the alliance's side.
OPEN_STATES = (FilingState.DRAFT, FilingState.RETURNED)


class Filing(models.Model):
    """One of the three filings of an alliance-year: its state and, for expected outcomes,
    the targets being prepared. What was submitted lives in FilingVersion (never changed)."""

    alliance_year = models.ForeignKey(
        "alliances.AllianceYear",
        verbose_name=_("alliance-year"),
        on_delete=models.CASCADE,
        related_name="filings",
    )
    kind = models.CharField(_("filing"), max_length=10, choices=FilingKind.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=FilingState.choices, default=FilingState.DRAFT
    )
    targets = models.JSONField(_("targets being prepared"), default=dict, blank=True)
    revision = models.PositiveIntegerField(default=1)  # optimistic concurrency on targets
    correction_due = models.DateField(_("corrections due"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("filing")
        verbose_name_plural = _("filings")
        ordering = ["alliance_year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["alliance_year", "kind"], name="filing_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=FilingKind.values), name="filing_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=FilingState.values), name="filing_state_known"
            ),
        ]
        indexes = [models.Index(fields=["kind", "state"])]

    def __str__(self):
        return f"{self.alliance_year} · {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class FilingVersion(models.Model):
    """A submitted filing, frozen: who certified it, when, the period it covers, the
    warnings it was submitted with, its items (SnapshotItem) and the verdicts of the
    records behind them (SnapshotRecord). Rows are only ever added."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    through = models.DateField(_("figures through"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    certified_name = models.CharField(_("certified by (name)"), max_length=100)
    statement = models.TextField(_("certification statement"))
    warnings = models.JSONField(_("warnings at submission"), default=list, blank=True)
    # Past years' accepted figures imported by the office (kpi/historic.py): items only.
    imported = models.BooleanField(_("imported"), default=False)

    class Meta:
        verbose_name = _("submitted version")
        verbose_name_plural = _("submitted versions")
        ordering = ["filing", "number"]
        constraints = [
            models.UniqueConstraint(fields=["filing", "number"], name="filingversion_unique")
        ]

    def __str__(self):
        return f"{self.filing} v{self.number}"

    @property
    def shown_warnings(self) -> list[dict]:
        """The warnings at submission in the reader's language: each was written in every
        language when the version was taken ({"messages": {language: text}}); a version
        taken before that has its one text."""
        language = get_language()
        return [
            {**w, "message": (w.get("messages") or {}).get(language) or w.get("message", "")}
            for w in self.warnings
        ]


class SnapshotItem(models.Model):
    """One catalog item (kpi.ledger.catalog) of a submitted version: everything entered for it (at
    full amount, counted or not), what the rules count, and the target."""

    version = models.ForeignKey(FilingVersion, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("item"), max_length=12)
    entered = models.BigIntegerField(_("entered (full)"), null=True, blank=True)
    counted = models.BigIntegerField(_("counted"), null=True, blank=True)
    target = models.BigIntegerField(_("target"), null=True, blank=True)

    class Meta:
        ordering = ["version", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="snapshotitem_unique")
        ]

    def __str__(self):
        return f"{self.version} {self.code}"


class SnapshotRecord(models.Model):
    """A ledger record or membership behind a submitted version, with its verdict as it
    stood at submission."""

    class Source(models.TextChoices):
        MEMBERSHIP = "membership", _("Member")
        REVENUE = "revenue", _("Revenue")
        OUTCOME = "outcome", _("Outcome")
        ACTIVITY = "activity", _("Activity")

    version = models.ForeignKey(FilingVersion, on_delete=models.CASCADE, related_name="records")
    source = models.CharField(max_length=10, choices=Source.choices)
    record_id = models.PositiveBigIntegerField()
    record_version = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=24)
    kind_label = models.CharField(max_length=100)
    date = models.DateField(null=True, blank=True)
    label = models.CharField(max_length=300)
    amount = models.BigIntegerField(default=0)
    counted = models.BooleanField(default=False)
    counted_amount = models.BigIntegerField(default=0)
    rule = models.CharField(max_length=4, blank=True)
    rule_params = models.JSONField(default=dict, blank=True)
    evidence_files = models.PositiveSmallIntegerField(default=0)
    # The evidence files at submission, [{"id": …, "name": …}], so a later version shows
    # files added or removed, not only the count (empty in versions taken before).
    evidence = models.JSONField(default=list, blank=True)
    changed_after_acceptance = models.BooleanField(default=False)
    change_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "source", "kind", "date", "record_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "source", "record_id"], name="snapshotrecord_unique"
            )
        ]

    def __str__(self):
        return f"{self.version} {self.source}#{self.record_id}"

    @property
    def kind_display(self) -> str:
        """The kind in the reader's language (kind_label keeps the submitter's words)."""
        from members.models import MemberKind

        choices = {
            "membership": MemberKind,
            "revenue": RevenueKind,
            "outcome": OutcomeKind,
            "activity": ActivityKind,
        }.get(self.source)
        try:
            return str(choices(self.kind).label)
        except (TypeError, ValueError):
            return self.kind_label


class FilingTransition(models.Model):
    """One step of a filing's routing history: who moved it from which state to which, when,
    and why. Internal notes are for the office only."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=12, choices=FilingState.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=FilingState.choices)
    version = models.PositiveSmallIntegerField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    comment = models.TextField(blank=True)
    internal = models.BooleanField(default=False)

    class Meta:
        ordering = ["filing", "at", "pk"]

    def __str__(self):
        return f"{self.filing}: {self.from_state or '—'} → {self.to_state}"


class FilingExtension(models.Model):
    """The office lets one alliance submit one filing after its deadline, until the end of
    a day (Asia/Taipei), for a reason. The latest grant counts."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="extensions")
    until = models.DateField(_("until"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["filing", "-granted_at", "-pk"]

    def __str__(self):
        return f"{self.filing} → {self.until}"


MAX_ANSWER = 500


def finding_key(finding: dict) -> str:
    """A finding of an audit record (its frozen JSON) as a stable key: "item:R-FEE",
    "record:revenue:12"."""
    if finding.get("type") == "item":
        return f"item:{finding.get('code')}"
    return f"record:{finding.get('source')}:{finding.get('record_id')}"


class FindingAnswer(models.Model):
    """The PI's answer, kept with the resubmitted version, to one finding of the audit
    record the filing was returned with: what was corrected, in a line or two."""

    version = models.ForeignKey(FilingVersion, on_delete=models.CASCADE, related_name="answers")
    record_number = models.CharField(_("audit record"), max_length=20)
    finding = models.CharField(_("finding"), max_length=60)  # finding_key()
    answer = models.TextField(_("answer"), max_length=MAX_ANSWER)

    class Meta:
        verbose_name = _("answer to a finding")
        verbose_name_plural = _("answers to findings")
        ordering = ["version", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "finding"], name="findinganswer_unique")
        ]

    def __str__(self):
        return f"{self.version} {self.finding}"

    @property
    def subject(self) -> str:
        """What the finding concerned, in the reader's language: "R-FEE Membership fee
        revenue", "Revenue #12"."""
        from kpi.ledger import catalog

        kind, _sep, rest = self.finding.partition(":")
        if kind == "item":
            item = catalog.BY_CODE.get(rest)
            return f"{rest} {item.label}" if item else rest
        source, _sep, record_id = rest.partition(":")
        try:
            return f"{SnapshotRecord.Source(source).label} #{record_id}"
        except ValueError:
            return rest


# --- The office's review (domain.md §4) --------------------------------------------------
