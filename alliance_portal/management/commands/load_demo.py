"""Load the demo data: fields (by migration), programme years 102–107, a few alliances and
the demo accounts. Safe to run again: it changes nothing the second time."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import ProgrammeRole, User
from accounts.services import user_create
from alliances.models import (
    Alliance,
    AllianceRole,
    Capability,
    Field,
    ProgrammeYear,
    RoleStatus,
    TeamRole,
    TeamType,
)
from alliances.reference import ensure_fields

DEMO_PASSWORD = "alliance-demo"  # noqa: S105 — documented demo login, never in production

# (email, name, programme role, what the account is for)
DEMO_ACCOUNTS = [
    ("office@example.org", "計畫辦公室 王專員", ProgrammeRole.OFFICE, "programme office"),
    ("viewer@example.org", "產學司 李科長", ProgrammeRole.VIEWER, "department viewer"),
    ("reviewer@example.org", "查訪委員 陳教授", ProgrammeRole.REVIEWER, "site-visit reviewer"),
    ("pi@example.org", "林主持人", ProgrammeRole.NONE, "PI of the demo alliance"),
    ("copi@example.org", "張共同主持人", ProgrammeRole.NONE, "co-PI of the demo alliance"),
    ("assistant@example.org", "黃助理", ProgrammeRole.NONE, "approved assistant"),
    ("pending@example.org", "吳助理", ProgrammeRole.NONE, "assistant awaiting approval"),
    ("outsider@example.org", "路人甲", ProgrammeRole.NONE, "no role"),
]

# (field code, Chinese name, English name, executing institution, team type)
DEMO_ALLIANCES = [
    (
        "mech",
        "智慧精密加工產學小聯盟",
        "Smart Precision Machining Alliance",
        "國立成功大學",
        TeamType.SAME_SCHOOL,
    ),
    (
        "civil",
        "綠色營建材料產學小聯盟",
        "Green Construction Materials Alliance",
        "國立臺北科技大學",
        TeamType.CROSS_SCHOOL,
    ),
    (
        "biomed",
        "醫材檢測驗證產學小聯盟",
        "Medical Device Testing Alliance",
        "國立陽明交通大學",
        TeamType.REGIONAL_CENTRE,
    ),
    (
        "ict",
        "物聯網感測應用產學小聯盟",
        "IoT Sensing Applications Alliance",
        "逢甲大學",
        TeamType.SINGLE_LAB,
    ),
    (
        "chem",
        "機能性紡織品產學小聯盟",
        "Functional Textiles Alliance",
        "國立臺灣科技大學",
        TeamType.SAME_SCHOOL,
    ),
]

DEMO_YEARS = range(102, 108)

# Roles in the first demo alliance: (email, role, status, capabilities, note)
DEMO_ROLES = [
    ("pi@example.org", TeamRole.PI, RoleStatus.ACTIVE, [], ""),
    ("copi@example.org", TeamRole.CO_PI, RoleStatus.ACTIVE, [], ""),
    (
        "assistant@example.org",
        TeamRole.ASSISTANT,
        RoleStatus.ACTIVE,
        [Capability.LEDGER, Capability.FILINGS, Capability.EVENTS],
        "負責會員資料與收入紀錄",
    ),
    ("pending@example.org", TeamRole.ASSISTANT, RoleStatus.PENDING, [], "新進助理，負責活動報名"),
]


class Command(BaseCommand):
    help = "Load the demo data and accounts (refused unless DEMO_DATA_ALLOWED is on)."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data is not allowed here (DEMO_DATA_ALLOWED is off, as in production)."
            )
        with transaction.atomic():
            created = self.load()
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded ({created} new records).")
            if created
            else "Demo data already loaded; nothing changed."
        )
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for email, _name, _role, purpose in DEMO_ACCOUNTS:
            self.stdout.write(f"  {email:<24} {purpose}")

    def load(self) -> int:
        created = ensure_fields()
        for roc_year in DEMO_YEARS:
            _, new = ProgrammeYear.objects.get_or_create(
                roc_year=roc_year, defaults=ProgrammeYear.calendar_defaults(roc_year)
            )
            created += new
        fields = {f.code: f for f in Field.objects.all()}
        for code, name_zh, name_en, institution, team_type in DEMO_ALLIANCES:
            _, new = Alliance.objects.get_or_create(
                institution=institution,
                name_zh=name_zh,
                defaults={"name_en": name_en, "field": fields[code], "team_type": team_type},
            )
            created += new
        for email, name, role, _purpose in DEMO_ACCOUNTS:
            if User.objects.filter(email__iexact=email).exists():
                continue
            user_create(email=email, password=DEMO_PASSWORD, name=name, programme_role=role)
            created += 1
        demo_alliance = Alliance.objects.get(
            institution=DEMO_ALLIANCES[0][3], name_zh=DEMO_ALLIANCES[0][1]
        )
        for email, kind, status, capabilities, note in DEMO_ROLES:
            user = User.objects.get(email__iexact=email)
            if AllianceRole.objects.filter(alliance=demo_alliance, user=user).exists():
                continue
            AllianceRole.objects.create(
                alliance=demo_alliance,
                user=user,
                role=kind,
                status=status,
                capabilities=[str(c) for c in capabilities],
                note=note,
            )
            created += 1
        return created
