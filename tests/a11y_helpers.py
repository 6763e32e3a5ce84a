"""Data and sessions for the accessibility and keyboard browser tests: a scene that gives
every main page of every role real content, and browser contexts logged in as a role in a
language."""

import datetime as dt

import time_machine
from django.conf import settings
from django.test import Client

from alliances.models import AllianceYear
from kpi.filings import selectors as filing_selectors
from kpi.filings import services as filings
from kpi.models import FilingKind
from kpi.review import services as review
from tests.event_helpers import sample_announcement, sample_event
from tests.filing_helpers import at, submitted_expected
from tests.report_helpers import alliance_with_figures, finished_export, zeros
from tests.review_helpers import REVIEW_DAY, office_returns
from tests.visit_helpers import TAIPEI, fill, schedule, shared_visit

# Accepted figures of other alliances over 102–106, so that the reports have figures in
# several fields, fee bands and a five-year trend (code, field, company members, fees).
FIGURES = [
    ("CIVIL101", "civil", 4, 30_000),
    ("BIO101", "biomed", 7, 90_000),
    ("ICT101", "ict", 12, 250_000),
    ("ELEC101", "elec", 3, 16_000),
]


def scene(people) -> dict:
    """Builds on the `people` fixture: the demo alliance's 106 first filing returned with
    audit record 106-1-001 (a finding), its second filing under review, the two alliances'
    106 site visits (one shared with the alliance, one awaiting the fixture reviewer's
    form), an event with a registration, an announcement, a finished export, and accepted
    figures of four more alliances over 102–106. Returns the ids the page paths need."""
    ay = people.alliance_years[106]
    submitted_expected(people)
    first = filing_selectors.filing_of(ay, FilingKind.FIRST)
    with time_machine.travel(at(2017, 10, 20), tick=False):
        first = filings.filing_submit(
            filing=first, by=people.pi, certified_name=people.pi.name, confirmed=True
        ).filing
    with time_machine.travel(REVIEW_DAY, tick=False):
        filings.filing_review_start(filing=first, by=people.office)
        office_returns(people, first, reason="技術服務收入請補上傳發票")
    second = filing_selectors.filing_of(ay, FilingKind.SECOND)
    with time_machine.travel(at(2018, 1, 20), tick=False):
        version = filings.filing_submit(
            filing=second, by=people.pi, certified_name=people.pi.name, confirmed=True
        )
    with time_machine.travel(at(2018, 2, 10), tick=False):
        filings.filing_review_start(filing=version.filing, by=people.office)
        review.mark_save(
            version=version,
            by=people.office,
            code="R-SERVICE",
            verdict="flagged",
            reason="請補發票",
        )

    visit = shared_visit(people)
    other_ay = AllianceYear.objects.get(
        alliance=people.other_alliance, programme_year__roc_year=106
    )
    open_visit = schedule(
        people, alliance_year=other_ay, when=dt.datetime(2017, 3, 20, 10, 0, tzinfo=TAIPEI)
    )
    for form in open_visit.forms.exclude(reviewer=people.reviewer).order_by("pk"):
        fill(form, [4, 4, 3, 3, 4, 4, 3])

    event, _registration, _material = sample_event(people)
    announcement = sample_announcement(people)
    export = finished_export(people.office, b"PK\x03\x04 summary")

    for code, field, members, fees in FIGURES:
        for year in range(102, 107):
            alliance_with_figures(
                code,
                field=field,
                year=year,
                phase=1 if year < 105 else 2,
                phase_year=(year - 102) % 3 + 1,
                **zeros(
                    **{
                        "M-COMPANY": members,
                        "R-FEE": fees,
                        "R-SERVICE": 400_000 + 100_000 * (year - 102),
                        "R-TRANSFER": 150_000,
                    }
                ),
            )
    # The checks across alliances of 106, so that their page and the filings show findings.
    from assurance import runner
    from assurance.models import CheckRun

    runner.run_year(
        CheckRun.objects.create(programme_year=ay.programme_year, trigger=CheckRun.Trigger.OFFICE)
    )
    # A personal API token, so that the profile page lists one (issue 22).
    from accounts.services import api_token_create

    api_token_create(user=people.pi, name="統計系統", days=90)
    return {
        "alliance": people.alliance.pk,
        "code": people.alliance.code,
        "entry": people.entry.pk,
        "membership": people.membership.pk,
        "visit": visit.pk,
        "open_visit": open_visit.pk,
        "event": event.pk,
        "announcement": announcement.pk,
        "export": export.pk,
    }


def logged_in_context(browser, live_server, user, *, language="zh-hant", **options):
    """A browser context with `user`'s session (None: anonymous) and the language chosen
    as the language switch chooses it (the language cookie)."""
    context = browser.new_context(**options)
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies.append(
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        )
    context.add_cookies(cookies)
    context.set_default_timeout(15_000)
    return context
