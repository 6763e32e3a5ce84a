from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from alliance_portal import health, views
from alliances.views import office as views_office
from alliances.views import profile as views_profile
from alliances.views import registration
from alliances.views import team as alliance_views
from alliances.views import years as views_years
from assurance import views as assurance_views
from dossier import views as dossier_views
from events.views import announcements as views_announcements
from events.views import events as event_views
from inspections import views as visit_views
from kpi.filings import dashboard as kpi_dashboard
from kpi.filings import views as views_filings
from kpi.ledger import views as kpi_views
from kpi.review import views as views_review
from members.views import firms as member_office
from members.views import members as member_views
from reports import views as report_views
from reports.open_data_views import (
    open_data_catalogue,
    open_data_fee_bands_csv,
    open_data_fee_bands_json,
    open_data_fields_csv,
    open_data_fields_json,
    open_data_page,
)
from workbook_import import pages as workbook_pages

handler500 = "alliance_portal.health.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("healthz/live", health.live, name="healthz_live"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("register/", registration.register_assistant, name="register_assistant"),
    path("register/done/", registration.register_assistant_done, name="register_assistant_done"),
    path("invitation/<str:token>/", account_views.accept_invitation, name="invitation_accept"),
    path("alliances/<int:pk>/", alliance_views.alliance_dashboard, name="alliance_dashboard"),
    path("alliances/<int:pk>/team/", alliance_views.alliance_team, name="alliance_team"),
    path("alliances/<int:pk>/team/co-pis/new/", alliance_views.co_pi_add, name="co_pi_add"),
    path(
        "alliances/<int:pk>/team/<int:role_pk>/approve/",
        alliance_views.role_approve,
        name="role_approve",
    ),
    path(
        "alliances/<int:pk>/team/<int:role_pk>/reject/",
        alliance_views.role_reject,
        name="role_reject",
    ),
    path(
        "alliances/<int:pk>/team/<int:role_pk>/capabilities/",
        alliance_views.role_capabilities,
        name="role_capabilities",
    ),
    path(
        "alliances/<int:pk>/team/<int:role_pk>/revoke/",
        alliance_views.role_revoke,
        name="role_revoke",
    ),
    path("alliances/<int:pk>/profile/", views_profile.profile_edit, name="profile_edit"),
    path("alliances/<int:pk>/members/", member_views.members_latest, name="members_latest"),
    path(
        "alliances/<int:pk>/members/import/", workbook_pages.members_import, name="members_import"
    ),
    path(
        "alliances/<int:pk>/members/template.xlsx",
        workbook_pages.members_template,
        name="members_template",
    ),
    path("alliances/<int:pk>/members/<int:year>/", member_views.members_list, name="members_list"),
    path("alliances/<int:pk>/members/<int:year>/new/", member_views.member_add, name="member_add"),
    path(
        "alliances/<int:pk>/members/<int:year>/copy/",
        member_views.members_copy,
        name="members_copy",
    ),
    path(
        "alliances/<int:pk>/members/<int:year>/export.xlsx",
        workbook_pages.members_export,
        name="members_export",
    ),
    path(
        "alliances/<int:pk>/members/<int:year>/<int:mid>/",
        member_views.member_edit,
        name="member_edit",
    ),
    path(
        "alliances/<int:pk>/members/<int:year>/<int:mid>/delete/",
        member_views.member_delete,
        name="member_delete",
    ),
    path("alliances/<int:pk>/kpi/", kpi_dashboard.kpi_latest, name="kpi_latest"),
    path("alliances/<int:pk>/kpi/<int:year>/", kpi_dashboard.kpi_dashboard, name="kpi_dashboard"),
    path(
        "alliances/<int:pk>/ledger/<int:year>/export.xlsx",
        workbook_pages.ledger_export,
        name="ledger_export",
    ),
    path("alliances/<int:pk>/ledger/", kpi_views.ledger_latest, name="ledger_latest"),
    path("alliances/<int:pk>/ledger/<int:year>/<slug:kind>/", kpi_views.ledger, name="ledger"),
    path(
        "alliances/<int:pk>/ledger/<int:year>/<slug:kind>/new/",
        kpi_views.record_edit,
        name="record_add",
    ),
    path(
        "alliances/<int:pk>/ledger/<int:year>/<slug:kind>/<int:record_id>/",
        kpi_views.record_edit,
        name="record_edit",
    ),
    path(
        "alliances/<int:pk>/ledger/<int:year>/<slug:kind>/<int:record_id>/delete/",
        kpi_views.record_delete,
        name="record_delete",
    ),
    path("alliances/<int:pk>/filings/", views_filings.filings_latest, name="filings_latest"),
    path("alliances/<int:pk>/filings/<int:year>/", views_filings.filing_list, name="filing_list"),
    path(
        "alliances/<int:pk>/dossier/<int:year>/",
        dossier_views.dossier_page,
        name="alliance_dossier",
    ),
    path(
        "alliances/<int:pk>/filings/<int:year>/<slug:filing>/",
        views_filings.filing_detail,
        name="filing_detail",
    ),
    path(
        "alliances/<int:pk>/filings/<int:year>/<slug:filing>/check/",
        views_filings.filing_check,
        name="filing_check",
    ),
    path(
        "alliances/<int:pk>/filings/<int:year>/<slug:filing>/submit/",
        views_filings.filing_submit,
        name="filing_submit",
    ),
    path(
        "alliances/<int:pk>/filings/<int:year>/<slug:filing>/v<int:number>/",
        views_filings.filing_version,
        name="filing_version",
    ),
    path(
        "alliances/<int:pk>/filings/<int:year>/<slug:filing>/extension/",
        views_filings.filing_extension,
        name="filing_extension",
    ),
    path("alliances/<int:pk>/evidence/<int:eid>/", kpi_views.evidence_download, name="evidence"),
    path("directory/", views_profile.directory, name="directory"),
    path("directory/<slug:code>/", views_profile.public_alliance, name="public_alliance"),
    path("directory/<slug:code>/banner/", views_profile.public_banner, name="public_banner"),
    path(
        "alliances/<int:pk>/filings/<int:year>/<slug:filing>/review/",
        views_review.filing_review,
        name="filing_review",
    ),
    path(
        "alliances/<int:pk>/filings/<int:year>/<slug:filing>/review/start/",
        views_review.review_start,
        name="review_start",
    ),
    path(
        "alliances/<int:pk>/filings/<int:year>/<slug:filing>/review/mark/",
        views_review.review_mark,
        name="review_mark",
    ),
    path(
        "alliances/<int:pk>/filings/<int:year>/<slug:filing>/review/accept-rest/",
        views_review.review_accept_rest,
        name="review_accept_rest",
    ),
    path(
        "alliances/<int:pk>/filings/<int:year>/<slug:filing>/review/issue/",
        views_review.review_issue,
        name="review_issue",
    ),
    path(
        "alliances/<int:pk>/filings/<int:year>/<slug:filing>/review/return/",
        views_review.review_return,
        name="review_return",
    ),
    path(
        "alliances/<int:pk>/filings/<int:year>/<slug:filing>/review/accept/",
        views_review.review_accept,
        name="review_accept",
    ),
    path(
        "alliances/<int:pk>/filings/<int:year>/<slug:filing>/review/reopen/",
        views_review.review_reopen,
        name="review_reopen",
    ),
    path(
        "alliances/<int:pk>/filings/<int:year>/<slug:filing>/review/note/",
        views_review.review_note,
        name="review_note",
    ),
    path(
        "alliances/<int:pk>/filings/<int:year>/<slug:filing>/review/assessment/",
        views_review.review_assessment,
        name="review_assessment",
    ),
    path(
        "alliances/<int:pk>/filings/<int:year>/<slug:filing>/audit-records/<int:aid>.pdf",
        views_review.audit_record_pdf,
        name="audit_record_pdf",
    ),
    path("reports/", report_views.reports_home, name="reports_home"),
    path("reports/<int:year>/", report_views.report_fields, name="report_fields"),
    path(
        "reports/<int:year>/fields/<slug:field>/",
        report_views.report_field_alliances,
        name="report_field_alliances",
    ),
    path("reports/fee-bands/", report_views.report_fee_bands, name="report_fee_bands"),
    path(
        "reports/fee-bands/alliances/",
        report_views.report_fee_band_alliances,
        name="report_fee_band_alliances",
    ),
    path(
        "reports/<int:year>/self-sufficiency/",
        report_views.report_self_sufficiency,
        name="report_self_sufficiency",
    ),
    path("reports/<int:year>/targets/", report_views.report_targets, name="report_targets"),
    path("reports/exports/", report_views.export_list, name="report_exports"),
    path("reports/exports/new/", report_views.export_start, name="report_export_start"),
    path("reports/exports/<int:xid>/", report_views.export_detail, name="report_export"),
    path(
        "reports/exports/<int:xid>/download/",
        report_views.export_download,
        name="report_export_download",
    ),
    # Open data: the published tables for anyone (reports/open_data.py).
    path("open-data/", open_data_page, name="open_data"),
    path("open-data/catalogue.json", open_data_catalogue, name="open_data_catalogue"),
    path("open-data/fields/<int:roc_year>.csv", open_data_fields_csv, name="open_data_fields_csv"),
    path(
        "open-data/fields/<int:roc_year>.json", open_data_fields_json, name="open_data_fields_json"
    ),
    path(
        "open-data/fee-bands/<int:first>-<int:last>.csv",
        open_data_fee_bands_csv,
        name="open_data_fee_bands_csv",
    ),
    path(
        "open-data/fee-bands/<int:first>-<int:last>.json",
        open_data_fee_bands_json,
        name="open_data_fee_bands_json",
    ),
    path("office/review/", views_review.review_home, name="review_home"),
    path("office/cross-checks/", assurance_views.cross_checks_home, name="cross_checks_home"),
    path("office/cross-checks/<int:year>/", assurance_views.cross_checks, name="cross_checks"),
    path(
        "office/cross-checks/<int:year>/findings.xlsx",
        assurance_views.cross_checks_export,
        name="cross_checks_export",
    ),
    path(
        "office/cross-checks/<int:year>/run/",
        assurance_views.cross_checks_run,
        name="cross_checks_run",
    ),
    path(
        "office/review/<int:year>/<slug:period>/",
        views_review.review_overview,
        name="review_overview",
    ),
    path(
        "office/review/<int:year>/<slug:period>/audit-records.zip",
        views_review.review_records_zip,
        name="review_records_zip",
    ),
    path(
        "office/review/<int:year>/<slug:period>/bulk/",
        views_review.review_bulk_start,
        name="review_bulk_start",
    ),
    path("office/review/bulk/<int:bid>/", views_review.review_bulk, name="review_bulk"),
    path("visits/", visit_views.visit_list, name="visit_list"),
    path("visits/<int:vid>/", visit_views.visit_detail, name="visit_detail"),
    path("visits/<int:vid>/invitation.ics", visit_views.visit_ics, name="visit_ics"),
    path("visits/<int:vid>/form/", visit_views.visit_form, name="visit_form"),
    path("visits/<int:vid>/form.pdf", visit_views.visit_form_pdf, name="visit_form_pdf"),
    path("visits/<int:vid>/declaration/", visit_views.visit_declare, name="visit_declare"),
    path("visits/affiliations/", visit_views.reviewer_affiliations, name="reviewer_affiliations"),
    path(
        "visits/affiliations/<int:affiliation_id>/delete/",
        visit_views.affiliation_delete,
        name="affiliation_delete",
    ),
    path("visits/<int:vid>/attendees/", visit_views.visit_attendees, name="visit_attendees"),
    path(
        "visits/<int:vid>/attendees/<int:attendee_id>/delete/",
        visit_views.visit_attendee_delete,
        name="visit_attendee_delete",
    ),
    path("visits/<int:vid>/summary/", visit_views.visit_summary, name="visit_summary"),
    path("visits/<int:vid>/summary.pdf", visit_views.visit_summary_pdf, name="visit_summary_pdf"),
    path("office/visits/", visit_views.office_visits, name="office_visits"),
    path("office/reviewers/", visit_views.office_reviewers, name="office_reviewers"),
    path("office/reviewers/<int:uid>/", visit_views.office_reviewer, name="office_reviewer"),
    path("office/visits/new/", visit_views.visit_new, name="visit_new"),
    path("office/visits/<int:vid>/edit/", visit_views.visit_edit, name="visit_edit"),
    path("office/visits/<int:vid>/cancel/", visit_views.visit_cancel, name="visit_cancel"),
    path("office/visits/<int:vid>/result/", visit_views.visit_result, name="visit_result"),
    path(
        "office/visits/<int:vid>/result.pdf", visit_views.visit_result_pdf, name="visit_result_pdf"
    ),
    path(
        "office/visits/<int:vid>/forms/<int:form_id>/return/",
        visit_views.visit_form_return,
        name="visit_form_return",
    ),
    path(
        "office/visits/<int:vid>/consolidate/",
        visit_views.visit_consolidate,
        name="visit_consolidate",
    ),
    path("office/visits/<int:vid>/reopen/", visit_views.visit_reopen, name="visit_reopen"),
    path("office/visits/<int:vid>/share/", visit_views.visit_share, name="visit_share"),
    path("office/awards/", visit_views.office_awards, name="office_awards"),
    path("office/awards/<int:year>/", visit_views.office_awards, name="office_awards_year"),
    path("office/awards/<int:year>/select/", visit_views.award_select, name="award_select"),
    path("office/awards/<int:year>/publish/", visit_views.awards_publish, name="awards_publish"),
    path(
        "office/awards/<int:year>/outstanding-alliances.xlsx",
        visit_views.awards_export,
        name="awards_export",
    ),
    path("events/", event_views.event_list, name="event_list"),
    path("events/<int:event_id>/", event_views.event_detail, name="event_detail"),
    path("events/<int:event_id>/event.ics", event_views.event_ics, name="event_ics"),
    path("events/<int:event_id>/register/", event_views.event_register, name="event_register"),
    path(
        "events/<int:event_id>/registrations/<int:registration_id>/cancel/",
        event_views.registration_cancel,
        name="registration_cancel",
    ),
    path(
        "events/<int:event_id>/materials/<int:material_id>/",
        event_views.event_material,
        name="event_material",
    ),
    path("office/events/new/", event_views.event_new, name="event_new"),
    path("office/events/<int:event_id>/edit/", event_views.event_edit, name="event_edit"),
    path("office/events/<int:event_id>/cancel/", event_views.event_cancel, name="event_cancel"),
    path(
        "office/events/<int:event_id>/attendance/",
        event_views.event_attendance,
        name="event_attendance",
    ),
    path(
        "office/events/<int:event_id>/materials/",
        event_views.event_material_add,
        name="event_material_add",
    ),
    path("office/events/duties/", event_views.event_duties, name="event_duties"),
    path("office/events/activities/", event_views.event_activities, name="event_activities"),
    path("announcements/", views_announcements.announcement_list, name="announcement_list"),
    path(
        "announcements/<int:nid>/",
        views_announcements.announcement_detail,
        name="announcement_detail",
    ),
    path(
        "announcements/<int:nid>/files/<int:file_id>/",
        views_announcements.announcement_file,
        name="announcement_file",
    ),
    path(
        "office/announcements/new/",
        views_announcements.announcement_new,
        name="announcement_new",
    ),
    path(
        "office/announcements/<int:nid>/email/",
        views_announcements.announcement_email,
        name="announcement_email",
    ),
    path("office/alliances/", views_office.office_alliances, name="office_alliances"),
    path(
        "office/alliances/<int:pk>/years/",
        views_years.office_alliance_years,
        name="office_alliance_years",
    ),
    path(
        "office/alliances/<int:pk>/years/new/",
        views_years.office_alliance_year_edit,
        name="office_alliance_year_new",
    ),
    path(
        "office/alliances/<int:pk>/years/<int:year>/",
        views_years.office_alliance_year_edit,
        name="office_alliance_year_edit",
    ),
    path("office/years/", views_years.office_programme_years, name="office_programme_years"),
    path(
        "office/years/new/",
        views_years.office_programme_year_edit,
        name="office_programme_year_new",
    ),
    path(
        "office/years/<int:year>/",
        views_years.office_programme_year_edit,
        name="office_programme_year_edit",
    ),
    path("office/profiles/", views_profile.office_profiles, name="office_profiles"),
    path(
        "office/profiles/<int:rid>/",
        views_profile.office_profile_review,
        name="office_profile_review",
    ),
    path(
        "office/profiles/<int:rid>/banner/",
        views_profile.office_profile_banner,
        name="office_profile_banner",
    ),
    path("office/firms/", member_office.office_firms, name="office_firms"),
    path("office/firms/<int:fid>/", member_office.office_firm_edit, name="office_firm_edit"),
    path(
        "office/firms/<int:fid>/merge/", member_office.office_firm_merge, name="office_firm_merge"
    ),
    path("office/import/", workbook_pages.office_import, name="office_import"),
    path(
        "office/import/<int:batch_id>/",
        workbook_pages.office_import_batch,
        name="office_import_batch",
    ),
    path(
        "office/import/template.xlsx",
        workbook_pages.office_import_template,
        name="office_import_template",
    ),
    path("office/export/", report_views.registry_export, name="office_export"),
    path(
        "office/alliances/<int:pk>/handover/",
        views_office.office_handover,
        name="office_handover",
    ),
    path("office/pis/new/", views_office.office_pi_create, name="office_pi_create"),
    path("office/pis/import/", views_office.office_pi_import, name="office_pi_import"),
    path("office/pis/template.xlsx", views_office.office_pi_template, name="office_pi_template"),
    path("office/audit/", views_office.office_audit, name="office_audit"),
    path("office/background-work/", views.office_failed_work, name="office_failed_work"),
    path("accounts/profile/", account_views.profile, name="profile"),
    path(
        "accounts/api-tokens/<int:token_id>/revoke/",
        account_views.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path("api/v1/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
]

if settings.ADMIN_ENABLED:
    # Behind the portal's login and two-factor authentication (alliance_portal/admin_site.py).
    urlpatterns.append(path("admin/", admin.site.urls))
