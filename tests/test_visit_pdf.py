"""The site-visit PDFs: the office's result, the alliance's summary, one reviewer's form.

Labels are compared as they render in zh-Hant (the PDFs are always in zh-Hant) and with
the text's whitespace ignored, so that a label wrapped in its table cell still matches
and the tests hold once the translations are added."""

import io
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypdf import PdfReader

from core import roc
from inspections import pdf, selectors, services
from inspections.models import ReviewPoint
from tests.review_helpers import page_count, pdf_fonts, pdf_text
from tests.visit_helpers import (
    KNOWN_RESULT,
    KNOWN_SCORE,
    KNOWN_SCORES,
    POINTS,
    fill,
    filled_visit,
    schedule,
)

REVIEWER_NAMES = ("陳委員", "委員乙", "委員丙")
REVIEWER_EMAILS = ("reviewer@example.org", "reviewer2@example.org", "reviewer3@example.org")


def zh(text) -> str:
    """A (lazy) string as the PDF prints it."""
    with translation.override("zh-hant"):
        return str(text)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def label_pattern(label) -> str:
    """A regex for a label that the PDF may have wrapped anywhere."""
    return r"\s*".join(re.escape(char) for char in squeeze(zh(label)))


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def point_row(text: str, point: str) -> re.Match:
    """The first row of the review point in the text: its label, then the numbers of the
    row (the reviewers' scores, then mean, minimum, maximum)."""
    found = re.search(
        label_pattern(ReviewPoint(point).label) + r"((?:\s+\d+(?:\.\d+)?)+)(?=\s|$)", text
    )
    assert found, f"no row for {point} in:\n{text}"
    return found


def assert_cjk_fonts_embedded(data: bytes) -> None:
    fonts = pdf_fonts(data)
    assert fonts and all(f["embedded"] for f in fonts), fonts
    # Every font is Noto Sans CJK TC, the footer's too (no fallback to another face).
    assert all("Noto-Sans-CJK-TC" in f["name"] for f in fonts), fonts


# --- the office's result ------------------------------------------------------------


def test_three_known_forms_give_the_right_mean_minimum_and_maximum_per_point_in_the_pdf(
    people,
):
    visit = filled_visit(people, consolidate=True)
    data = pdf.render_result(visit)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for index, point in enumerate(POINTS):
        mean, low, high = KNOWN_RESULT[point]
        numbers = point_row(text, point).group(1).split()
        # Each reviewer's score in their column (forms in order), then mean, min and max.
        assert numbers == [str(scores[index]) for scores in KNOWN_SCORES] + [
            mean,
            str(low),
            str(high),
        ], (point, numbers)
    # The last row: the overall score, the mean of the points' means, right after the
    # last point's row and before any other number.
    last = point_row(text, POINTS[-1])
    following = re.search(r"\d+(?:\.\d+)?", text[last.end() :])
    assert following and following.group() == KNOWN_SCORE
    assert squeeze(zh(gettext_lazy("Consolidated score"))) in squeeze(
        text[last.end() : last.end() + 80]
    )


def test_the_result_names_the_reviewers_has_their_comments_and_each_form_on_its_own_page(
    people,
):
    visit = filled_visit(people, consolidate=True)
    data = pdf.render_result(visit)
    text = pdf_text(data)
    alliance = visit.alliance_year.alliance
    for expected in (
        alliance.name_zh,
        alliance.code,
        alliance.institution,
        "國立成功大學",
        "106.03.15 10:00",
        people.office.name,
        *REVIEWER_NAMES,
        "整體表現良好，請持續推廣。",
        zh(visit.get_outcome_display()),
    ):
        assert expected in text, expected
    # The reviewers in the table's header, in the forms' order.
    assert re.search(r"\s+".join(REVIEWER_NAMES), text)
    # Every comment attributed to its reviewer, and every overall comment.
    squeezed = squeeze(text)
    for name, letter in zip(REVIEWER_NAMES, "ABC", strict=True):
        for point in POINTS:
            assert squeeze(f"{name}：{letter}:{zh(ReviewPoint(point).label)}意見") in squeezed
        assert f"{letter}:綜合意見" in text

    # The consolidated part, then one page per form (all three submitted).
    pages = page_texts(data)
    assert page_count(data) >= 1 + 3
    form_pages = pages[-3:]
    for page, name, letter, scores in zip(
        form_pages, REVIEWER_NAMES, "ABC", KNOWN_SCORES, strict=True
    ):
        assert name in page
        assert all(other not in page for other in REVIEWER_NAMES if other != name)
        assert f"{letter}:綜合意見" in page
        for point, score in zip(POINTS, scores, strict=True):
            row = re.search(
                label_pattern(ReviewPoint(point).label)
                + r"\s+(\d+)\s+"
                + label_pattern(f"{letter}:{zh(ReviewPoint(point).label)}意見"),
                page,
            )
            assert row and row.group(1) == str(score), (name, point)
    assert_cjk_fonts_embedded(data)


def test_a_scheduled_visit_prints_the_submitted_forms_so_far_and_no_result(people):
    visit = schedule(people)
    forms = list(visit.forms.order_by("pk"))
    fill(forms[0], KNOWN_SCORES[0], comment_prefix="A:")
    fill(forms[1], KNOWN_SCORES[1], comment_prefix="B:")
    fill(forms[2], KNOWN_SCORES[2], comment_prefix="C:", submit=False)
    data = pdf.render_result(visit)
    text = pdf_text(data)
    with translation.override("zh-hant"):
        not_yet = _("The result is not recorded yet.")
        draft = forms[2].get_status_display()
    assert squeeze(not_yet) in squeeze(text)
    # Two submitted forms in the table: promotion 4, 5 → 4.50 4 5.
    assert point_row(text, "promotion").group(1).split() == ["4", "5", "4.50", "4", "5"]
    # The draft has its own page with its status and what it holds so far.
    assert page_count(data) >= 1 + 3
    last = page_texts(data)[-1]
    assert "委員丙" in last and squeeze(draft) in squeeze(last) and "C:綜合意見" in last


def test_the_pdfs_are_in_zh_hant_whatever_the_language_of_the_request(people):
    visit = filled_visit(people, consolidate=True)
    with translation.override("en"):
        data = pdf.render_result(visit)
        summary = pdf.render_summary(visit)
        form = pdf.render_form(visit.forms.order_by("pk").first())
    for document in (data, summary, form):
        text = pdf_text(document)
        # Already translated: the footer, "Alliance", "Institution".
        assert "第 1 頁，共" in text and "聯盟" in text and "執行機構" in text
        assert "Page 1 of" not in text
        assert_cjk_fonts_embedded(document)


# --- the alliance's summary ---------------------------------------------------------


@pytest.mark.parametrize("show_names", [False, True])
def test_the_summary_names_the_reviewers_only_if_the_office_chose_so(people, show_names):
    visit = filled_visit(people, consolidate=True)
    visit = services.visit_share(visit=visit, by=people.office, show_names=show_names)
    data = visit.summary_pdf.read()  # what was shared is what is stored
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    metadata = " ".join(str(v) for v in (PdfReader(io.BytesIO(data)).metadata or {}).values())
    with translation.override("zh-hant"):
        letters = [selectors.reviewer_label(i) for i in range(3)]
        recommendation = str(visit.forms.first().get_recommendation_display())
    shown = REVIEWER_NAMES if show_names else letters

    # The data the alliance reads, either way.
    assert visit.alliance_year.alliance.name_zh in text
    assert "整體表現良好，請持續推廣。" in text
    for index, point in enumerate(POINTS):
        mean, low, high = KNOWN_RESULT[point]
        numbers = point_row(text, point).group(1).split()
        assert numbers == [str(s[index]) for s in KNOWN_SCORES] + [mean, str(low), str(high)]
    last = point_row(text, POINTS[-1])
    assert re.search(r"\d+(?:\.\d+)?", text[last.end() :]).group() == KNOWN_SCORE
    # Every comment once: there are no pages of the individual forms.
    for letter in "ABC":
        for point in POINTS:
            assert text.count(f"{letter}:{zh(ReviewPoint(point).label)}意見") <= 1
            assert squeeze(f"{letter}:{zh(ReviewPoint(point).label)}意見") in squeeze(text)
    assert page_count(data) < page_count(pdf.render_result(visit))

    # Comments and recommendations attributed to the reviewers as the summary names them.
    squeezed = squeeze(text)
    for label, letter in zip(shown, "ABC", strict=True):
        comment = f"{letter}:{zh(ReviewPoint(POINTS[0]).label)}意見"
        assert squeeze(f"{label}：{comment}") in squeezed
        assert squeeze(f"{label}{recommendation}{letter}:綜合意見") in squeezed
    assert re.search(r"\s+".join(re.escape(label) for label in shown), text)  # the columns
    if not show_names:
        for secret in (*REVIEWER_NAMES, *REVIEWER_EMAILS, "example.org"):
            assert secret not in text and secret not in metadata, secret
    assert_cjk_fonts_embedded(data)


# --- one reviewer's form ------------------------------------------------------------


def test_the_review_form_holds_the_reviewers_scores_and_comments(people):
    visit = filled_visit(people)
    form = visit.forms.order_by("pk").first()
    data = pdf.render_form(form)
    text = pdf_text(data)
    alliance = visit.alliance_year.alliance
    assert alliance.name_zh in text and alliance.institution in text
    assert people.reviewer.name in text
    assert "委員乙" not in text and "委員丙" not in text  # nobody else's form
    form.refresh_from_db()
    assert roc.format_roc_datetime(form.submitted_at) in text
    assert squeeze(zh(form.get_status_display())) in squeeze(text)
    for point, score in zip(POINTS, KNOWN_SCORES[0], strict=True):
        comment = f"A:{zh(ReviewPoint(point).label)}意見"
        row = re.search(
            label_pattern(ReviewPoint(point).label) + r"\s+(\d+)\s+" + label_pattern(comment),
            text,
        )
        assert row and row.group(1) == str(score), point
    assert "A:綜合意見" in text
    assert squeeze(zh(form.get_recommendation_display())) in squeeze(text)
    # The year's scale.
    year = visit.alliance_year.programme_year
    with translation.override("zh-hant"):
        scale = _("%(low)s (lowest) to %(high)s (highest)") % {
            "low": year.visit_score_min,
            "high": year.visit_score_max,
        }
    assert squeeze(scale) in squeeze(text)
    assert page_count(data) == 1
    assert_cjk_fonts_embedded(data)
