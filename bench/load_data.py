"""The load test's data and its after-run check (bench/load.py runs this file in a
subprocess, with the same environment as the servers it then starts).

    .venv/bin/python bench/load_data.py build --out var/bench-load/accounts.json
    .venv/bin/python bench/load_data.py verify --accounts ... --posted posted.json

build: migrates the database of DATABASE_URL (bench/load.py has dropped and created it) and
fills it with bench/build.py's bulk builder: the two programme years before the open one,
closed (accepted filings, the official figures the office's reports read), and the open
programme year, whose KPI filing window contains today on the real clock (kpi/filings/calendar.py:
the second filing of year N is open from N.11.01 to (N+1).01.31; the first from N.02.01
to N.10.31). In the open year every alliance has its members, its ledger and accepted
expected outcomes (the targets), and its open KPI filing has not been started: the builder's
second filing of that year, its snapshot and its ledger coverage are deleted, and every
record that counts and needs evidence (R5–R7, O1) gets an evidence row, so that the check
finds no errors and the PI can submit. Then the accounts: per alliance a PI and an approved
assistant who may keep the ledger and prepare filings; office accounts with a TOTP
authenticator each (allauth.mfa, as tests/conftest.py's give_mfa). Passwords are hashed
once with the production hasher (PBKDF2, as every real login checks it) and shared.
It writes a JSON file naming the accounts (with the TOTP secrets) for the locust users.

verify: reads the alliances whose submission the load test saw succeed and compares them
with the database: every one must be submitted, and no other filing of that kind.
"""

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-2026"  # noqa: S105 (the bench's own accounts)
EMAIL_DOMAIN = "load.example.org"


def fix_path() -> None:
    """Run as a script, Python puts bench/ first on the path; the repository root goes there
    instead (as bench/reports.py does)."""
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance_portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def open_filing(today: dt.date) -> tuple[int, str]:
    """(programme year, filing kind) whose calendar window contains `today`."""
    from alliances.models import ProgrammeYear
    from core import roc

    year = roc.roc_year(today)
    for roc_year in (year, year - 1):
        days = ProgrammeYear.calendar_defaults(roc_year)
        if days["second_kpi_opens"] <= today <= days["second_kpi_due"]:
            return roc_year, "second"
        if days["first_kpi_opens"] <= today <= days["first_kpi_due"]:
            return roc_year, "first"
    raise SystemExit(f"no KPI filing window contains {today}")


def build(args) -> int:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from core import roc

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    print(f"  migrated in {time.perf_counter() - started:.1f} s", flush=True)

    from bench.build import Builder

    today = roc.today()
    year, kind = open_filing(today)
    builder = Builder(
        alliances=args.alliances,
        members=args.members,
        seed=args.seed,
        log=lambda text: print(text, flush=True),
    )
    for roc_year in (year - 2, year - 1, year):
        builder.build_year(roc_year)
    with transaction.atomic():
        _open_year(year)
        accounts = _accounts(year, kind, args, make_password(PASSWORD))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    accounts["built_seconds"] = round(time.perf_counter() - started, 1)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(accounts, ensure_ascii=False, indent=1))
    print(
        f"  open filing: {kind} of {year} (today {roc.format_roc_date(today)}); "
        f"{len(accounts['alliances'])} alliances, {len(accounts['office'])} office accounts; "
        f"built in {accounts['built_seconds']} s → {out}",
        flush=True,
    )
    return 0


def _open_year(year: int) -> None:
    """The open year's KPI filings not started yet, their checks passing."""
    from kpi.ledger import rules
    from kpi.models import Evidence, Filing, FilingKind, LedgerCoverage, Outcome, RevenueEntry

    Filing.objects.filter(
        alliance_year__programme_year__roc_year=year,
        kind__in=[FilingKind.FIRST, FilingKind.SECOND],
    ).delete()
    LedgerCoverage.objects.filter(alliance_year__programme_year__roc_year=year).delete()
    rows = []
    for model, source in ((RevenueEntry, "revenue"), (Outcome, "outcome")):
        kinds = [k for (s, k) in rules.EVIDENCE_REQUIRED if s == source]
        needing = model.objects.filter(
            alliance_year__programme_year__roc_year=year, counted=True, kind__in=kinds
        ).values_list("pk", "alliance_year_id")
        rows += [
            Evidence(
                alliance_year_id=ay_id,
                extension="pdf",
                original_name=f"evidence-{pk}.pdf",
                file=f"load/evidence-{pk}.pdf",  # never opened: the check counts rows
                size=1024,
                **{f"{source}_id": pk},
            )
            for pk, ay_id in needing
        ]
    Evidence.objects.bulk_create(rows, batch_size=2000)
    print(f"  open year {year}: {len(rows)} evidence rows", flush=True)


def _accounts(year: int, kind: str, args, password_hash: str) -> dict:
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import ProgrammeRole, User
    from alliances.models import AllianceRole, AllianceYear, Capability, RoleStatus, TeamRole
    from members.models import MemberKind, Membership

    ays = list(
        AllianceYear.objects.filter(programme_year__roc_year=year)
        .select_related("alliance")
        .order_by("alliance__code")
    )
    users, roles, alliances = [], [], []
    for i, ay in enumerate(ays, start=1):
        pi = User(
            email=f"pi-{i:03d}@{EMAIL_DOMAIN}",
            name=f"主持人{i:03d}",
            password=password_hash,
        )
        assistant = User(
            email=f"assistant-{i:03d}@{EMAIL_DOMAIN}",
            name=f"助理{i:03d}",
            password=password_hash,
        )
        users += [pi, assistant]
        alliances.append((ay, pi, assistant))
    office = [
        User(
            email=f"office-{j:02d}@{EMAIL_DOMAIN}",
            name=f"辦公室{j:02d}",
            password=password_hash,
            programme_role=ProgrammeRole.OFFICE,
        )
        for j in range(1, args.office + 1)
    ]
    User.objects.bulk_create(users + office, batch_size=2000)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users + office],
        batch_size=2000,
    )
    for ay, pi, assistant in alliances:
        roles.append(
            AllianceRole(alliance=ay.alliance, user=pi, role=TeamRole.PI, status=RoleStatus.ACTIVE)
        )
        roles.append(
            AllianceRole(
                alliance=ay.alliance,
                user=assistant,
                role=TeamRole.ASSISTANT,
                status=RoleStatus.ACTIVE,
                capabilities=[Capability.LEDGER, Capability.FILINGS],
            )
        )
    AllianceRole.objects.bulk_create(roles, batch_size=2000)
    secrets = {}
    for user in office:
        secrets[user.email] = generate_totp_secret()
        TOTP.activate(user, secrets[user.email])
    ubns: dict[int, list[str]] = {}
    for ay_id, ubn in (
        Membership.objects.filter(
            alliance_year__in=[ay for ay, _pi, _a in alliances],
            counted_kind=MemberKind.COMPANY,
        )
        .order_by("pk")
        .values_list("alliance_year_id", "firm__ubn")
    ):
        if ubn and len(ubns.setdefault(ay_id, [])) < 5:
            ubns[ay_id].append(ubn)
    from kpi.models import Filing, FilingKind, FilingState

    # The office's review pages: accepted second filings of last year (always there), and
    # the open year's filings as the PIs submit them (bench/locustfile.py, PLAN.posted).
    reviews = [
        f"/alliances/{pk}/filings/{year - 1}/second/review/"
        for pk in Filing.objects.filter(
            alliance_year__programme_year__roc_year=year - 1,
            kind=FilingKind.SECOND,
            state=FilingState.ACCEPTED,
        )
        .order_by("pk")
        .values_list("alliance_year__alliance_id", flat=True)[:40]
    ]
    return {
        "year": year,
        "filing": kind,
        "reviews": reviews,
        "report_year": year - 1,
        "first_year": year - 2,
        "password": PASSWORD,
        "alliances": [
            {
                "pk": ay.alliance_id,
                "code": ay.alliance.code,
                "pi": pi.email,
                "pi_name": pi.name,
                "assistant": assistant.email,
                "ubns": ubns.get(ay.pk, []),
            }
            for ay, pi, assistant in alliances
        ],
        "office": [{"email": u.email, "secret": secrets[u.email]} for u in office],
    }


def verify(args) -> int:
    """Submitted in the database ⇔ the load test saw the submission succeed."""
    from kpi.models import Filing, FilingState

    accounts = json.loads(Path(args.accounts).read_text())
    posted = set(json.loads(Path(args.posted).read_text()))
    recorded = set(
        Filing.objects.filter(
            alliance_year__programme_year__roc_year=accounts["year"],
            kind=accounts["filing"],
            state=FilingState.SUBMITTED,
        ).values_list("alliance_year__alliance_id", flat=True)
    )
    other = set(
        Filing.objects.filter(
            alliance_year__programme_year__roc_year=accounts["year"], kind=accounts["filing"]
        )
        .exclude(state__in=[FilingState.SUBMITTED, FilingState.DRAFT])
        .values_list("alliance_year__alliance_id", flat=True)
    )
    result = {
        "posted": len(posted),
        "recorded": len(recorded),
        "missing": sorted(posted - recorded),
        "unexpected": sorted(recorded - posted),
        "other_states": sorted(other),
    }
    print(json.dumps(result))
    return 0 if not (result["missing"] or result["unexpected"] or other) else 1


def main(argv=None) -> int:
    fix_path()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="migrate and fill the load test's database")
    b.add_argument("--out", required=True, help="the accounts file (JSON) to write")
    b.add_argument("--alliances", type=int, default=250)
    b.add_argument("--members", type=int, default=40)
    b.add_argument("--office", type=int, default=8, help="office accounts (one per office VU)")
    b.add_argument("--seed", type=int, default=2017)
    v = sub.add_parser("verify", help="compare the submissions seen with the database")
    v.add_argument("--accounts", required=True)
    v.add_argument("--posted", required=True, help="JSON list of alliance ids submitted")
    args = parser.parse_args(argv)
    setup_django()
    return build(args) if args.command == "build" else verify(args)


if __name__ == "__main__":
    sys.exit(main())
