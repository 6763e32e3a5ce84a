"""The outstanding alliance of each field (每領域遴選1案績優聯盟, domain.md §5): candidates
ranked by their consolidated score, the office's choice, publication on the public
directory and the alliance's page, and the department's workbook."""

import datetime as dt
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from alliances.models import Alliance, AllianceYear, Field, ProgrammeYear, TeamType
from core import roc
from inspections import selectors, services
from inspections.exports import awards_workbook
from inspections.models import Award
from inspections.services import VisitError
from tests.visit_helpers import KNOWN_SCORE, KNOWN_SCORES, fill, schedule

TAIPEI = zoneinfo.ZoneInfo("Asia/Taipei")
ALL_FOURS = [[4] * 7] * 3  # consolidates to 4.00
ALL_THREES = [[3] * 7] * 3  # consolidates to 3.00


def mech_alliance(code, name, *, institution="國立清華大學", roc_year=106):
    """Another alliance of the fixture's field (機電材料), public, running in `roc_year`."""
    alliance = Alliance.objects.create(
        name_zh=name,
        field=Field.objects.get(code="mech"),
        institution=institution,
        team_type=TeamType.SAME_SCHOOL,
        code=code,
        profile_published_at=timezone.now(),
        description=f"{name}的公開簡介",
    )
    return AllianceYear.objects.create(
        alliance=alliance,
        programme_year=ProgrammeYear.objects.get(roc_year=roc_year),
        phase=1,
        phase_year=roc_year - 104,
        subsidy=2_000_000,
        collaboration_weight=100,
    )


def consolidated_visit(people, alliance_year, scores, *, day=15, outcome="continue"):
    when = dt.datetime(alliance_year.programme_year.roc_year + 1911, 3, day, 10, 0, tzinfo=TAIPEI)
    visit = schedule(people, alliance_year=alliance_year, when=when)
    for form, row in zip(visit.forms.order_by("pk"), scores, strict=True):
        fill(form, row)
    return services.visit_consolidate(visit=visit, by=people.office, outcome=outcome, note="")


@pytest.fixture
def two_visits(people):
    """106, 機電材料: the fixture's alliance at 3.48 and 精密量測 at 4.00."""
    other = mech_alliance("MECH002", "精密量測產學小聯盟")
    first = consolidated_visit(people, people.alliance_years[106], KNOWN_SCORES, day=15)
    second = consolidated_visit(people, other, ALL_FOURS, day=22, outcome="outstanding")
    return first, second


def awards_section(client) -> str:
    """The directory's 績優聯盟 section, or "" when there is none."""
    html = client.get(reverse("directory")).content.decode()
    start = html.find('<section aria-labelledby="awards-heading"')
    if start < 0:
        return ""
    return html[start : html.index("</section>", start)]


def alliance_page(client, alliance) -> str:
    return client.get(reverse("public_alliance", kwargs={"code": alliance.code})).content.decode()


def set_dates(award, *, selected, published=None):
    """Known dates for the workbook: selected_at is stamped on creation."""
    Award.objects.filter(pk=award.pk).update(selected_at=selected, published_at=published)
    award.refresh_from_db()
    return award


# --- candidates and the choice ---------------------------------------------------------


def test_candidates_are_ranked_by_consolidated_score_within_the_field(people, two_visits):
    first, second = two_visits
    assert first.score == Decimal(KNOWN_SCORE) and second.score == Decimal("4.00")
    by_field = selectors.candidates(106)
    assert [f.code for f in by_field] == list(
        Field.objects.order_by("order").values_list("code", flat=True)
    )
    mech = by_field[Field.objects.get(code="mech")]
    assert [(c.visit.pk, c.rank, c.selected) for c in mech["candidates"]] == [
        (second.pk, 1, False),
        (first.pk, 2, False),
    ]
    assert mech["award"] is None
    assert by_field[Field.objects.get(code="civil")] == {
        "candidates": [],
        "award": None,
        "published": None,
    }
    assert selectors.candidates(105)[Field.objects.get(code="mech")]["candidates"] == []


def test_equal_scores_share_a_rank_and_the_next_rank_skips(people):
    a = consolidated_visit(people, people.alliance_years[106], ALL_FOURS, day=15)
    b = consolidated_visit(
        people, mech_alliance("MECH002", "精密量測產學小聯盟"), ALL_FOURS, day=16
    )
    c = consolidated_visit(
        people, mech_alliance("MECH003", "智慧機電產學小聯盟"), ALL_THREES, day=17
    )
    mech = selectors.candidates(106)[Field.objects.get(code="mech")]["candidates"]
    ranks = {cand.visit.pk: cand.rank for cand in mech}
    assert ranks == {a.pk: 1, b.pk: 1, c.pk: 3}
    assert [cand.visit.pk for cand in mech][-1] == c.pk


def test_selecting_marks_the_candidate_and_a_new_choice_replaces_it(people, two_visits):
    first, second = two_visits
    award = services.award_select(visit=second, by=people.office, note="推廣成效最佳")
    mech = selectors.candidates(106)[Field.objects.get(code="mech")]
    assert mech["award"].pk == award.pk and award.published_at is None
    assert [c.selected for c in mech["candidates"]] == [True, False]

    # An unpublished choice is simply replaced.
    other = services.award_select(visit=first, by=people.office)
    assert not Award.objects.filter(pk=award.pk).exists()
    award = services.award_select(visit=second, by=people.office, note="推廣成效最佳")
    assert Award.objects.get().pk == award.pk and not Award.objects.filter(pk=other.pk).exists()

    # A published one stays beside the new choice until that is published.
    assert services.awards_publish(programme_year=award.programme_year, by=people.office) == 1
    replaced = services.award_select(visit=first, by=people.office, confirmed=True)
    award.refresh_from_db()
    assert award.published_at is not None and replaced.published_at is None
    mech = selectors.candidates(106)[Field.objects.get(code="mech")]
    assert mech["award"].pk == replaced.pk and mech["published"].pk == award.pk
    assert [(c.selected, c.published) for c in mech["candidates"]] == [(False, True), (True, False)]

    assert services.awards_publish(programme_year=award.programme_year, by=people.office) == 1
    assert not Award.objects.filter(pk=award.pk).exists()
    assert Award.objects.get().pk == replaced.pk
    mech = selectors.candidates(106)[Field.objects.get(code="mech")]
    assert mech["published"] is None
    assert [c.selected for c in mech["candidates"]] == [False, True]


@pytest.fixture
def english(client):
    """Pages in English; the requests leave English active, the tests after do not inherit it."""
    client.cookies["django_language"] = "en"
    with translation.override(translation.get_language()):
        yield client


def awards_page(client) -> str:
    return client.get(reverse("office_awards_year", kwargs={"year": 106})).content.decode()


def test_choosing_another_alliance_where_one_is_published_asks_first_and_the_directory_keeps_it(
    english, people, two_visits
):
    client = english
    first, second = two_visits
    published, chosen = second.alliance_year.alliance, people.alliance
    services.award_select(visit=second, by=people.office)
    services.awards_publish(programme_year=second.alliance_year.programme_year, by=people.office)
    client.force_login(people.office)
    select = reverse("award_select", kwargs={"year": 106})

    # The first POST only asks, saying which award stays on the directory and until when.
    response = client.post(select, {"visit": first.pk, "note": "成長最多"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Replace the published outstanding alliance?" in page
    assert f"{published} is the published outstanding alliance of Mechatronics" in page
    published_on = roc.format_roc_date(timezone.localtime(Award.objects.get().published_at))
    assert f"(published {published_on})" in page
    assert f"{published} stays on the directory until the new choice is published" in page
    assert 'name="confirm" value="1"' in page and "成長最多" in page
    assert f"Choose {chosen.name}" in page and f"Keep {published.name}" in page
    assert Award.objects.get().visit_id == second.pk  # nothing changed
    with pytest.raises(services.AwardNeedsConfirmation):
        services.award_select(visit=first, by=people.office)

    # Confirmed: the new choice waits; the directory still shows the published one.
    response = client.post(select, {"visit": first.pk, "note": "成長最多", "confirm": "1"})
    assert response.status_code == 302
    assert Award.objects.get(visit=first).note == "成長最多"
    section = awards_section(client)
    assert published.name_zh in section and chosen.name_zh not in section
    assert 'class="badge badge-active"' in alliance_page(client, published)
    page = awards_page(client)
    assert f"On the directory: <strong>{published.name}</strong>" in page
    assert "until the new choice is published" in page
    assert "Publishing them replaces the outstanding alliance now on the directory in" in page

    # Published: the new choice replaces it.
    client.post(reverse("awards_publish", kwargs={"year": 106}))
    section = awards_section(client)
    assert chosen.name_zh in section and published.name_zh not in section
    assert "badge" not in alliance_page(client, published)
    assert "On the directory:" not in awards_page(client)


def test_keeping_the_published_alliance_withdraws_the_waiting_choice(people, two_visits):
    first, second = two_visits
    award = services.award_select(visit=second, by=people.office)
    services.awards_publish(programme_year=award.programme_year, by=people.office)
    services.award_select(visit=first, by=people.office, confirmed=True)

    kept = services.award_select(visit=second, by=people.office, note="維持原選")
    assert kept.pk == award.pk and kept.published_at is not None and kept.note == "維持原選"
    assert list(Award.objects.values_list("visit_id", flat=True)) == [second.pk]
    with pytest.raises(VisitError):  # nothing awaits publication
        services.awards_publish(programme_year=award.programme_year, by=people.office)


def test_a_new_choice_where_none_is_published_needs_no_confirmation(client, people, two_visits):
    first, second = two_visits
    services.award_select(visit=second, by=people.office)
    client.force_login(people.office)
    response = client.post(reverse("award_select", kwargs={"year": 106}), {"visit": first.pk})
    assert response.status_code == 302
    assert list(Award.objects.values_list("visit_id", flat=True)) == [first.pk]


def test_a_visit_without_a_recorded_result_cannot_be_chosen(people):
    visit = schedule(people)
    with pytest.raises(VisitError):
        services.award_select(visit=visit, by=people.office)
    assert not Award.objects.exists()


def test_publishing_without_an_unpublished_choice_is_refused(people, two_visits):
    year = ProgrammeYear.objects.get(roc_year=106)
    with pytest.raises(VisitError, match="106"):
        services.awards_publish(programme_year=year, by=people.office)


# --- the workbook ----------------------------------------------------------------------


def test_the_workbook_lists_the_chosen_alliance_and_every_candidate(people, two_visits):
    first, second = two_visits
    award = services.award_select(visit=second, by=people.office)
    set_dates(award, selected=dt.datetime(2018, 4, 20, 9, 0, tzinfo=TAIPEI))

    book = load_workbook(io.BytesIO(awards_workbook(106)))
    assert book.sheetnames == ["績優聯盟", "候選名單"]

    sheet = book["績優聯盟"]
    rows = list(sheet.iter_rows(values_only=True))
    assert "106" in rows[0][0]  # the title
    assert rows[1] == (
        "年度", "領域", "聯盟代碼", "聯盟名稱", "執行機構",
        "綜合評分", "名次", "查訪結果", "選定日期", "公告日期",
    )  # fmt: skip
    assert sheet.freeze_panes == "C3"
    fields = list(Field.objects.order_by("order"))
    assert [row[1] for row in rows[2:]] == [f.name_zh for f in fields]  # one row per field
    mech = rows[2 + [f.code for f in fields].index("mech")]
    assert mech[:7] == (106, "機電材料", "MECH002", "精密量測產學小聯盟", "國立清華大學", 4.0, 1)
    assert all(isinstance(mech[i], int | float) for i in (0, 5, 6))  # numbers, not text
    assert sheet.cell(row=3 + [f.code for f in fields].index("mech"), column=6).number_format == (
        "0.00"
    )
    assert mech[7]  # the outcome's label
    assert mech[8:] == ("107.04.20", None)  # selected (ROC), not published yet
    civil = rows[2 + [f.code for f in fields].index("civil")]
    assert civil[:2] == (106, "土木能環") and not any(civil[2:])

    # Published: the date appears.
    set_dates(
        award,
        selected=dt.datetime(2018, 4, 20, 9, 0, tzinfo=TAIPEI),
        published=dt.datetime(2018, 5, 1, 0, 30, tzinfo=TAIPEI),
    )
    book = load_workbook(io.BytesIO(awards_workbook(106)))
    mech = list(book["績優聯盟"].iter_rows(values_only=True))[
        2 + [f.code for f in fields].index("mech")
    ]
    assert mech[8:] == ("107.04.20", "107.05.01")

    candidates = book["候選名單"]
    rows = list(candidates.iter_rows(values_only=True))
    assert rows[1] == (
        "年度", "領域", "名次", "聯盟代碼", "聯盟名稱",
        "執行機構", "綜合評分", "查訪結果", "是否選定",
    )  # fmt: skip
    assert [row[:5] for row in rows[2:]] == [
        (106, "機電材料", 1, "MECH002", "精密量測產學小聯盟"),
        (106, "機電材料", 2, "MECH001", "智慧精密加工產學小聯盟"),
    ]
    assert [row[6] for row in rows[2:]] == [4.0, 3.48]
    assert [row[8] for row in rows[2:]] == ["是", "否"]
    assert candidates.cell(row=3, column=7).number_format == "0.00"


def test_text_in_the_workbook_never_becomes_a_formula(people):
    ay = mech_alliance("MECH009", '=HYPERLINK("http://evil.example","點我")')
    visit = consolidated_visit(people, ay, ALL_FOURS)
    services.award_select(visit=visit, by=people.office)
    book = load_workbook(io.BytesIO(awards_workbook(106)))
    for name in ("績優聯盟", "候選名單"):
        cells = [c for row in book[name].iter_rows() for c in row if c.value is not None]
        formula = [c for c in cells if str(c.value).startswith("=")]
        assert formula and all(c.data_type == "s" for c in formula)


def test_the_workbook_of_a_year_without_visits_has_headers_only(people):
    book = load_workbook(io.BytesIO(awards_workbook(105)))
    assert len(list(book["候選名單"].iter_rows())) == 2
    assert all(not any(row[2:]) for row in book["績優聯盟"].iter_rows(min_row=3, values_only=True))


# --- the public pages ------------------------------------------------------------------


def test_the_directory_and_the_alliance_page_show_an_award_only_once_published(
    client, people, two_visits
):
    first, second = two_visits
    chosen = second.alliance_year.alliance
    assert awards_section(client) == ""

    award = services.award_select(visit=second, by=people.office)
    assert awards_section(client) == ""  # chosen, not yet published
    assert "badge" not in alliance_page(client, chosen)

    services.awards_publish(programme_year=award.programme_year, by=people.office)
    section = awards_section(client)
    assert 'id="awards-106"' in section and "機電材料" in section
    assert chosen.name_zh in section and people.alliance.name_zh not in section
    assert reverse("public_alliance", kwargs={"code": chosen.code}) in section
    page = alliance_page(client, chosen)
    assert page.count('class="badge badge-active"') == 1 and "106" in page
    assert "badge" not in alliance_page(client, people.alliance)

    # Filtered or later pages of the directory do not repeat the section.
    filtered = client.get(reverse("directory"), {"q": "精密"}).content.decode()
    assert 'id="awards-heading"' not in filtered

    # Another choice replaces the award once published; until then the directory keeps it.
    replaced = services.award_select(visit=first, by=people.office, confirmed=True)
    section = awards_section(client)
    assert chosen.name_zh in section and people.alliance.name_zh not in section
    assert 'class="badge badge-active"' in alliance_page(client, chosen)
    assert "badge" not in alliance_page(client, people.alliance)
    services.awards_publish(programme_year=replaced.programme_year, by=people.office)
    section = awards_section(client)
    assert people.alliance.name_zh in section and chosen.name_zh not in section
    assert 'class="badge badge-active"' in alliance_page(client, people.alliance)


def test_years_newest_first_and_no_link_where_the_directory_has_no_page(client, people):
    old = consolidated_visit(people, people.alliance_years[105], ALL_FOURS)
    services.award_select(visit=old, by=people.office)
    services.awards_publish(programme_year=old.alliance_year.programme_year, by=people.office)
    # An alliance that ran in 105 only: no longer in the directory, still awarded.
    gone = consolidated_visit(
        people, mech_alliance("MECH105", "已結束產學小聯盟", roc_year=105), ALL_THREES, day=16
    )
    services.award_select(visit=gone, by=people.office, confirmed=True)  # replaces 105's
    services.awards_publish(programme_year=gone.alliance_year.programme_year, by=people.office)
    new = consolidated_visit(people, people.alliance_years[106], KNOWN_SCORES)
    services.award_select(visit=new, by=people.office)
    services.awards_publish(programme_year=new.alliance_year.programme_year, by=people.office)

    section = awards_section(client)
    assert section.index('id="awards-106"') < section.index('id="awards-105"')
    assert "已結束產學小聯盟" in section
    assert reverse("public_alliance", kwargs={"code": "MECH105"}) not in section
    assert reverse("public_alliance", kwargs={"code": "MECH001"}) in section


def test_each_tag_runs_one_query(people, two_visits, django_assert_num_queries):
    first, second = two_visits
    award = services.award_select(visit=second, by=people.office)
    services.awards_publish(programme_year=award.programme_year, by=people.office)
    alliance = second.alliance_year.alliance
    with django_assert_num_queries(1):
        html = Template("{% load awards %}{% directory_awards %}").render(Context({}))
    assert alliance.name_zh in html
    with django_assert_num_queries(1):
        html = Template("{% load awards %}{% award_badges alliance %}").render(
            Context({"alliance": alliance})
        )
    assert "badge" in html
