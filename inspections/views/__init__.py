"""The site-visit pages (domain.md §5): the visit's people (reviewers, the alliance, the
office's staff) see the visit, their forms, the attendees and the shared summary; the office
schedules, reviews the forms, consolidates the result and picks the outstanding alliances.
One module per audience: people, office, results, awards; conflicts (of interest).
"""

# ruff: noqa: F401

from inspections.views.awards import (
    award_select,
    awards_export,
    awards_publish,
    office_awards,
)
from inspections.views.conflicts import (
    affiliation_delete,
    office_reviewer,
    office_reviewers,
    reviewer_affiliations,
    visit_declare,
)
from inspections.views.office import (
    office_visit,
    office_visits,
    visit_cancel,
    visit_edit,
    visit_new,
)
from inspections.views.people import (
    pdf_response,
    visit_attendee_delete,
    visit_attendees,
    visit_detail,
    visit_form,
    visit_form_pdf,
    visit_ics,
    visit_list,
    visit_page,
    visit_summary,
    visit_summary_pdf,
)
from inspections.views.results import (
    visit_consolidate,
    visit_form_return,
    visit_reopen,
    visit_result,
    visit_result_pdf,
    visit_share,
)
