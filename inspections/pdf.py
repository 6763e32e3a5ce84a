"""Site-visit PDFs (domain.md §5): the office's result with every form, the summary the
alliance gets, and one reviewer's review form (實地查訪審查表).

Like the audit record (kpi/review/pdf.py): WeasyPrint, A4, Noto Sans CJK TC embedded,
page numbers in the footer, ROC dates, and always rendered in zh-Hant whatever the
language of the person who asks — they are the programme's documents.

The summary names reviewers only if the office chose so (visit.show_reviewer_names);
otherwise they are 委員 A/B/C throughout (selectors.consolidate(named=False)), and no
name or email of a reviewer is put in the document at all.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import roc
from inspections import selectors
from inspections.models import FormStatus, Recommendation, ReviewForm, SiteVisit, VisitStatus
from kpi.review.pdf import PDF_LANGUAGE, page_footer

TEMPLATE = "inspections/visit_pdf.html"
NO_VALUE = "—"


def _person(user) -> str:
    if user is None:
        return NO_VALUE
    return user.name or user.email


def _number(value) -> str:
    """A mean to two decimals (4.00, 4.67); a dash when there is none."""
    if value is None:
        return NO_VALUE
    return f"{value:.2f}"


def _score(value) -> str:
    return NO_VALUE if value is None else str(value)


def _recommendation(value) -> str:
    return str(Recommendation(value).label) if value else NO_VALUE


def _when(visit: SiteVisit) -> str:
    """106.03.15 10:00–11:25 (Taiwan time)."""
    end = timezone.localtime(visit.ends_at)
    return f"{roc.format_roc_datetime(visit.starts_at)}–{end:%H:%M}"


def _header(visit: SiteVisit, *, reviewers: list[str] | None) -> dict:
    """The facts every document opens with. `reviewers`: the names to print, or None to
    print none (the summary when the office keeps them anonymous)."""
    ay = visit.alliance_year
    return {
        "alliance": ay.alliance,
        "field": ay.alliance.field.name,
        "roc_year": ay.programme_year.roc_year,
        "when": _when(visit),
        "place": visit.place,
        "reviewers": reviewers,
        "staff": [_person(user) for user in visit.staff.order_by("name", "email")],
    }


def _table(result: selectors.Consolidation) -> dict:
    """The consolidated table: one column per submitted form (in the forms' order), and
    per review point those scores, the mean, the minimum and the maximum."""
    columns = [result.labels[form.pk] for form in result.forms]
    rows = []
    for point in result.points:
        cells = [NO_VALUE] * len(columns)
        # Scores come in the forms' order; a label is matched to the first column of that
        # label not filled yet, so two reviewers of the same name keep their own columns.
        for label, score in point.scores:
            for index, column in enumerate(columns):
                if column == label and cells[index] == NO_VALUE:
                    cells[index] = _score(score)
                    break
        rows.append(
            {
                "label": point.label,
                "cells": cells,
                "mean": _number(point.mean),
                "low": _score(point.low),
                "high": _score(point.high),
                "comments": point.comments,
            }
        )
    return {
        "columns": columns,
        "rows": rows,
        "score": _number(result.score),
        "count": result.count,
        "recommendations": [
            {"label": label, "recommendation": str(rec.label), "comment": comment}
            for label, rec, comment in result.recommendations
        ],
    }


def _outcome(visit: SiteVisit) -> dict:
    return {
        "recorded": visit.status == VisitStatus.CONSOLIDATED,
        "cancelled": visit.status == VisitStatus.CANCELLED,
        "label": _recommendation(visit.outcome),
        "note": visit.outcome_note,
        "score": _number(visit.score),
        "at": roc.format_roc_datetime(visit.consolidated_at),
        "cancel_reason": visit.cancel_reason,
    }


def _form(form: ReviewForm) -> dict:
    """One reviewer's form as printed: the seven points in order, and the rest."""
    return {
        "form": form,
        "reviewer": _person(form.reviewer),
        "status": form.get_status_display(),
        "submitted": form.status == FormStatus.SUBMITTED,
        "submitted_at": roc.format_roc_datetime(form.submitted_at),
        "returned": form.status == FormStatus.RETURNED,
        "return_reason": form.return_reason,
        "rows": [
            {
                "label": str(row["label"]),
                "score": _score(row["row"].score if row["row"] else None),
                "comment": row["row"].comment if row["row"] else "",
            }
            for row in selectors.form_scores(form)
        ],
        "recommendation": _recommendation(form.recommendation),
        "comment": form.comment,
    }


def _scale(visit: SiteVisit) -> dict:
    year = visit.alliance_year.programme_year
    return {"low": year.visit_score_min, "high": year.visit_score_max}


def _write(context: dict) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango and fonts

    html = render_to_string(TEMPLATE, {**context, "footer": page_footer()})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def _reference(visit: SiteVisit) -> str:
    """What the footer names the document by: the alliance's code and the visit's date."""
    alliance = visit.alliance_year.alliance
    text = f"{alliance.code or alliance.pk} · {roc.format_roc_date(visit.local_start)}"
    return text.replace('"', "").replace("\\", "")  # it goes in a CSS string


def render_result(visit: SiteVisit) -> bytes:
    """The office's result: the consolidated table with every reviewer named, every
    comment and recommendation, the outcome, then each assigned form on its own page."""
    with translation.override(PDF_LANGUAGE):
        result = selectors.consolidate(visit, named=True)
        forms = list(
            visit.forms.select_related("reviewer").prefetch_related("scores").order_by("pk")
        )
        context = {
            "kind": "result",
            "title": _("Site visit result"),
            "reference": _reference(visit),
            "visit": visit,
            "header": _header(visit, reviewers=[_person(form.reviewer) for form in forms]),
            "table": _table(result),
            "outcome": _outcome(visit),
            "consolidated_by": _person(visit.consolidated_by) if visit.consolidated_by_id else "",
            "forms": [_form(form) for form in forms],
            "forms_total": len(forms),
            "scale": _scale(visit),
        }
        return _write(context)


def render_summary(visit: SiteVisit) -> bytes:
    """What the alliance gets: the consolidated table, comments and recommendations, the
    outcome and the office's conclusion. Reviewers are 委員 A/B/C unless the office chose
    to name them; no form of its own, no reviewer's name or email otherwise."""
    named = bool(visit.show_reviewer_names)
    with translation.override(PDF_LANGUAGE):
        result = selectors.consolidate(visit, named=named)
        recorded = visit.status == VisitStatus.CONSOLIDATED
        context = {
            "kind": "summary",
            "title": _("Site visit summary"),
            "reference": _reference(visit),
            "visit": visit,
            "header": _header(
                visit,
                reviewers=[result.labels[form.pk] for form in result.forms] if named else None,
            ),
            # Scores are the alliance's to read only once the office has recorded them.
            "table": _table(result) if recorded else None,
            "outcome": _outcome(visit),
            "scale": _scale(visit),
        }
        return _write(context)


def render_form(form: ReviewForm) -> bytes:
    """One reviewer's review form (實地查訪審查表): the scale, each point's score and
    comment, the recommendation, the overall comment, its status and when it was sent."""
    form = (
        ReviewForm.objects.select_related(
            "reviewer",
            "visit__alliance_year__alliance__field",
            "visit__alliance_year__programme_year",
        )
        .prefetch_related("scores")
        .get(pk=form.pk)
    )
    visit = form.visit
    with translation.override(PDF_LANGUAGE):
        context = {
            "kind": "form",
            "title": _("Site visit review form"),
            "reference": _reference(visit),
            "visit": visit,
            "header": _header(visit, reviewers=[_person(form.reviewer)]),
            "scale": _scale(visit),
            "forms": [_form(form)],
        }
        return _write(context)
