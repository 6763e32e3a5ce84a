"""Create PI accounts from a workbook: one sheet 「計畫主持人」 with the columns
姓名, 電子郵件, 聯盟 (the alliance's code, or its Chinese name when that is unique). Checked
whole first (a preview); saved all or nothing."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from alliances.models import LIVE_STATUSES, Alliance, AllianceRole, RoleStatus, TeamRole
from alliances.services import TeamError, pi_assign
from core.workbooks import open_sheet, quote

SHEET = "計畫主持人"
COL_NAME, COL_EMAIL, COL_ALLIANCE = "姓名", "電子郵件", "聯盟"
HEADERS = [COL_NAME, COL_EMAIL, COL_ALLIANCE]


@dataclass
class Row:
    number: int
    name: str
    email: str
    alliance_name: str
    alliance_id: int | None = None
    action: str = "new"  # new | unchanged | error
    errors: list[str] = field(default_factory=list)


@dataclass
class Preview:
    rows: list[Row]

    @property
    def errors(self) -> list[str]:
        return [e for r in self.rows for e in r.errors]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    def payload(self) -> list[dict]:
        return [
            {"number": r.number, "name": r.name, "email": r.email, "alliance": r.alliance_name}
            for r in self.rows
        ]


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _where(row: int, column: str) -> str:
    return _("Sheet “%(sheet)s” row %(row)s “%(column)s”") % {
        "sheet": SHEET,
        "row": row,
        "column": column,
    }


def check_rows(raw_rows) -> Preview:
    """Validate every row against the database and each other; nothing is saved."""
    alliances: dict[str, list[Alliance]] = {}
    for a in Alliance.objects.all():
        alliances.setdefault(a.name_zh, []).append(a)
        if a.code:
            alliances.setdefault(a.code, []).append(a)
    live_roles = set(
        AllianceRole.objects.filter(status__in=LIVE_STATUSES).values_list(
            "alliance_id", "user__email"
        )
    )
    disabled = set(User.objects.filter(is_active=False).values_list("email", flat=True))
    current_pi = dict(
        AllianceRole.objects.filter(role=TeamRole.PI, status=RoleStatus.ACTIVE).values_list(
            "alliance_id", "user__email"
        )
    )
    rows, seen_alliances = [], {}
    for number, values in raw_rows:
        row = Row(
            number=number,
            name=_text(values.get(COL_NAME)),
            email=_text(values.get(COL_EMAIL)).lower(),
            alliance_name=_text(values.get(COL_ALLIANCE)),
        )
        if not row.name and not User.objects.filter(email__iexact=row.email).exists():
            row.errors.append(
                _("%(where)s: the name is empty.") % {"where": _where(number, COL_NAME)}
            )
        try:
            validate_email(row.email)
        except ValidationError:
            row.errors.append(
                _("%(where)s: “%(value)s” is not an email address.")
                % {"where": _where(number, COL_EMAIL), "value": quote(row.email)}
            )
        if row.email in {e.lower() for e in disabled}:
            row.errors.append(
                _("%(where)s: the account %(email)s is disabled.")
                % {"where": _where(number, COL_EMAIL), "email": row.email}
            )
        matches = alliances.get(row.alliance_name, [])
        alliance = matches[0] if len(matches) == 1 else None
        if len(matches) > 1:
            row.errors.append(
                _("%(where)s: more than one alliance is named “%(value)s”; write its code.")
                % {"where": _where(number, COL_ALLIANCE), "value": quote(row.alliance_name)}
            )
        elif alliance is None:
            row.errors.append(
                _("%(where)s: there is no alliance named “%(value)s”.")
                % {"where": _where(number, COL_ALLIANCE), "value": quote(row.alliance_name)}
            )
        else:
            row.alliance_id = alliance.pk
            if alliance.pk in seen_alliances:
                row.errors.append(
                    _("%(where)s: the alliance is also on row %(other)s; one PI per alliance.")
                    % {"where": _where(number, COL_ALLIANCE), "other": seen_alliances[alliance.pk]}
                )
            seen_alliances.setdefault(alliance.pk, number)
            pi_email = current_pi.get(alliance.pk)
            if pi_email and pi_email.lower() == row.email:
                row.action = "unchanged"
            elif pi_email:
                row.errors.append(
                    _("%(where)s: the alliance already has a PI (%(email)s); use handover.")
                    % {"where": _where(number, COL_ALLIANCE), "email": pi_email}
                )
            elif any(a == alliance.pk and e.lower() == row.email for a, e in live_roles):
                row.errors.append(
                    _("%(where)s: %(email)s already has a role in this alliance; use handover.")
                    % {"where": _where(number, COL_EMAIL), "email": row.email}
                )
        if row.errors:
            row.action = "error"
        rows.append(row)
    return Preview(rows=rows)


def preview_workbook(data: bytes) -> Preview:
    return check_rows(open_sheet(data, sheet_name=SHEET, headers=HEADERS))


def preview_payload(payload: list[dict]) -> Preview:
    raw = [
        (
            item["number"],
            {COL_NAME: item["name"], COL_EMAIL: item["email"], COL_ALLIANCE: item["alliance"]},
        )
        for item in payload
    ]
    return check_rows(raw)


class ImportRefused(Exception):
    def __init__(self, preview: Preview):
        super().__init__("; ".join(preview.errors))
        self.preview = preview


@transaction.atomic
def import_pis(*, payload: list[dict], by) -> Preview:
    """Check again (the database may have changed since the preview) and create every new
    PI, or nothing."""
    preview = preview_payload(payload)
    if preview.errors:
        raise ImportRefused(preview)
    alliances = Alliance.objects.in_bulk([r.alliance_id for r in preview.rows])
    for row in preview.rows:
        if row.action == "new":
            try:
                pi_assign(
                    alliance=alliances[row.alliance_id], by=by, email=row.email, name=row.name
                )
            except TeamError as error:
                row.errors.append(f"{_where(row.number, COL_EMAIL)}: {error}")
                row.action = "error"
                raise ImportRefused(preview) from error
    return preview
