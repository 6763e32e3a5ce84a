"""Every URL pattern × every canonical user → the status that user must get.

A pattern missing from MATRIX (or from the admin rule) fails the test, so a new page
cannot be added without deciding who may open it. Status 404 means "does not exist for
you": people never learn of alliances they may not see.
"""

import pytest

from core.models import ImportBatch
from inspections.models import ReviewerAffiliation
from kpi.models import BulkIssue
from tests.event_helpers import sample_announcement, sample_event
from tests.filing_helpers import submitted_first_filing
from tests.open_data_helpers import open_data_samples
from tests.report_helpers import finished_export
from tests.review_helpers import issued_record
from tests.urlmatrix import all_patterns, build
from tests.visit_helpers import shared_visit

USERS = [
    "anonymous",
    "pi",
    "copi",
    "assistant",
    "pending",
    "revoked",
    "other_pi",
    "outsider",
    "office",
    "viewer",
    "reviewer",
    "other_reviewer",
]

# Column order as USERS:   anon pi  copi asst pend revk othr outs offc view revw orev
# fmt: off
MATRIX = {
    "home":                  "200 200 200 200 200 200 200 200 200 200 200 200",
    "dashboard":             "302 200 200 200 200 200 200 200 200 200 200 200",
    "register_assistant":    "200 302 302 302 302 302 302 302 302 302 302 302",
    "register_assistant_done": "200 200 200 200 200 200 200 200 200 200 200 200",
    "invitation_accept":     "404 404 404 404 404 404 404 404 404 404 404 404",
    "alliance_dashboard":    "302 200 200 200 404 404 404 404 200 200 404 404",
    "alliance_team":         "302 200 200 200 404 404 404 404 200 200 404 404",
    "co_pi_add":             "302 200 404 404 404 404 404 404 404 404 404 404",
    "role_approve":          "302 200 200 404 404 404 404 404 404 404 404 404",
    "role_reject":           "302 200 200 404 404 404 404 404 404 404 404 404",
    "role_capabilities":     "302 200 200 404 404 404 404 404 404 404 404 404",
    "role_revoke":           "302 200 200 404 404 404 404 404 404 404 404 404",
    "office_alliances":      "302 404 404 404 404 404 404 404 200 200 404 404",
    "office_handover":       "302 404 404 404 404 404 404 404 200 404 404 404",
    "office_pi_create":      "302 404 404 404 404 404 404 404 200 404 404 404",
    "office_pi_import":      "302 404 404 404 404 404 404 404 200 404 404 404",
    "office_pi_template":    "302 404 404 404 404 404 404 404 200 404 404 404",
    "office_audit":          "302 404 404 404 404 404 404 404 200 200 404 404",
    "office_failed_work":    "302 404 404 404 404 404 404 404 200 404 404 404",
    "set_language":          "302 302 302 302 302 302 302 302 302 302 302 302",
    # For load balancers, the same to everyone; /healthz says 503 here as no worker beats.
    "healthz":               "503 503 503 503 503 503 503 503 503 503 503 503",
    "healthz_live":          "200 200 200 200 200 200 200 200 200 200 200 200",
    # The registry: profile, members (private to the alliance, office and viewers).
    "profile_edit":          "302 200 200 404 404 404 404 404 404 404 404 404",
    "members_latest":        "302 302 302 302 404 404 404 404 302 302 404 404",
    "members_import":        "302 200 200 200 404 404 404 404 200 404 404 404",
    "members_template":      "302 200 200 200 404 404 404 404 200 200 404 404",
    "members_list":          "302 200 200 200 404 404 404 404 200 200 404 404",
    "member_add":            "302 200 200 200 404 404 404 404 200 404 404 404",
    "members_copy":          "302 200 200 200 404 404 404 404 200 404 404 404",
    "members_export":        "302 200 200 200 404 404 404 404 200 200 404 404",
    "member_edit":           "302 200 200 200 404 404 404 404 200 404 404 404",
    "member_delete":         "302 200 200 200 404 404 404 404 200 404 404 404",
    # The KPI dashboard and ledger (evidence is private to the alliance and the programme).
    "kpi_latest":            "302 302 302 302 404 404 404 404 302 302 404 404",
    "kpi_dashboard":         "302 200 200 200 404 404 404 404 200 200 404 404",
    "ledger_latest":         "302 302 302 302 404 404 404 404 302 302 404 404",
    "ledger":                "302 200 200 200 404 404 404 404 200 200 404 404",
    "ledger_export":         "302 200 200 200 404 404 404 404 200 200 404 404",
    "record_add":            "302 200 200 200 404 404 404 404 200 404 404 404",
    "record_edit":           "302 200 200 200 404 404 404 404 200 404 404 404",
    "record_delete":         "302 200 200 200 404 404 404 404 200 404 404 404",
    "evidence":              "302 200 200 200 404 404 404 404 200 200 404 404",
    # Filings: the team and the programme read them; the assistant of the fixture may keep
    # the ledger but not prepare filings; only the PI submits, only the office extends.
    "filings_latest":        "302 302 302 302 404 404 404 404 302 302 404 404",
    "filing_list":           "302 200 200 200 404 404 404 404 200 200 404 404",
    "filing_detail":         "302 200 200 200 404 404 404 404 200 200 404 404",
    "filing_check":          "302 200 200 404 404 404 404 404 200 200 404 404",
    "filing_submit":         "302 405 404 404 404 404 404 404 404 404 404 404",
    "filing_version":        "302 200 200 200 404 404 404 404 200 200 404 404",
    "filing_extension":      "302 404 404 404 404 404 404 404 200 404 404 404",
    # The office's review: the office and the department read it; only the office acts
    # (its GET of an action is 405); the team reads its own audit records.
    "filing_review":         "302 404 404 404 404 404 404 404 200 200 404 404",
    "review_start":          "302 404 404 404 404 404 404 404 405 404 404 404",
    "review_mark":           "302 404 404 404 404 404 404 404 405 404 404 404",
    "review_accept_rest":    "302 404 404 404 404 404 404 404 405 404 404 404",
    "review_issue":          "302 404 404 404 404 404 404 404 405 404 404 404",
    "review_return":         "302 404 404 404 404 404 404 404 405 404 404 404",
    "review_accept":         "302 404 404 404 404 404 404 404 405 404 404 404",
    "review_reopen":         "302 404 404 404 404 404 404 404 405 404 404 404",
    "review_note":           "302 404 404 404 404 404 404 404 405 404 404 404",
    "review_assessment":     "302 404 404 404 404 404 404 404 405 404 404 404",
    "audit_record_pdf":      "302 200 200 200 404 404 404 404 200 200 404 404",
    "review_home":           "302 404 404 404 404 404 404 404 302 302 404 404",
    "cross_checks_home":     "302 404 404 404 404 404 404 404 302 302 404 404",
    "cross_checks":          "302 404 404 404 404 404 404 404 200 200 404 404",
    "cross_checks_export":   "302 404 404 404 404 404 404 404 200 200 404 404",
    "cross_checks_run":      "302 404 404 404 404 404 404 404 405 404 404 404",
    "review_overview":       "302 404 404 404 404 404 404 404 200 200 404 404",
    "review_records_zip":    "302 404 404 404 404 404 404 404 200 200 404 404",
    "review_bulk_start":     "302 404 404 404 404 404 404 404 405 404 404 404",
    "review_bulk":           "302 404 404 404 404 404 404 404 200 200 404 404",
    # Reports: aggregates for the programme, reviewers and every PI or co-PI (who see only
    # their own alliance named); not for assistants or outsiders.
    "reports_home":          "302 302 302 404 404 404 302 404 302 302 302 302",
    "report_fields":         "302 200 200 404 404 404 200 404 200 200 200 200",
    "report_field_alliances": "302 200 200 404 404 404 200 404 200 200 200 200",
    "report_fee_bands":      "302 200 200 404 404 404 200 404 200 200 200 200",
    "report_fee_band_alliances": "302 200 200 404 404 404 200 404 200 200 200 200",
    "report_self_sufficiency": "302 200 200 404 404 404 200 404 200 200 200 200",
    "report_targets":        "302 200 200 404 404 404 200 404 200 200 200 200",
    # Exports: started by POST; the sample export is the office's, so only it sees it.
    "report_exports":        "302 200 200 404 404 404 200 404 200 200 200 200",
    "report_export_start":   "302 405 405 404 404 404 405 404 405 405 405 405",
    "report_export":         "302 404 404 404 404 404 404 404 200 404 404 404",
    "report_export_download": "302 404 404 404 404 404 404 404 200 404 404 404",
    # An alliance-year's auditor's dossier: the programme for any alliance, the PI for
    # their own (made and downloaded through the exports above).
    "alliance_dossier":      "302 200 404 404 404 404 404 404 200 200 404 404",
    # Site visits (sample: the fixture alliance's 106 visit, consolidated and shared; the
    # fixture's reviewer is assigned, the other reviewer is not).
    "visit_list":            "302 200 200 200 404 404 200 404 302 302 200 200",
    "visit_detail":          "302 200 200 200 404 404 404 404 200 200 200 404",
    "visit_ics":             "302 200 200 200 404 404 404 404 200 200 200 404",
    "visit_form":            "302 404 404 404 404 404 404 404 404 404 200 404",
    "visit_form_pdf":        "302 404 404 404 404 404 404 404 404 404 200 404",
    # Conflicts of interest: the reviewer declares (POST) on their own form only; each
    # reviewer keeps their affiliations (the sample is the fixture reviewer's), the office
    # keeps anyone's, the department reads them.
    "visit_declare":         "302 404 404 404 404 404 404 404 404 404 405 404",
    "reviewer_affiliations": "302 404 404 404 404 404 404 404 404 404 200 200",
    "affiliation_delete":    "302 404 404 404 404 404 404 404 405 404 405 404",
    "office_reviewers":      "302 404 404 404 404 404 404 404 200 200 404 404",
    "office_reviewer":       "302 404 404 404 404 404 404 404 200 200 404 404",
    "visit_attendees":       "302 200 200 200 404 404 404 404 200 200 200 404",
    "visit_attendee_delete": "302 405 405 405 404 404 404 404 405 405 405 404",
    "visit_summary":         "302 200 200 200 404 404 404 404 200 200 404 404",
    "visit_summary_pdf":     "302 200 200 200 404 404 404 404 200 200 404 404",
    "office_visits":         "302 404 404 404 404 404 404 404 200 200 404 404",
    "visit_new":             "302 404 404 404 404 404 404 404 200 404 404 404",
    "visit_edit":            "302 404 404 404 404 404 404 404 302 404 404 404",
    "visit_cancel":          "302 404 404 404 404 404 404 404 200 404 404 404",
    "visit_result":          "302 404 404 404 404 404 404 404 200 200 404 404",
    "visit_result_pdf":      "302 404 404 404 404 404 404 404 200 200 404 404",
    "visit_form_return":     "302 404 404 404 404 404 404 404 405 404 404 404",
    "visit_consolidate":     "302 404 404 404 404 404 404 404 405 404 404 404",
    "visit_reopen":          "302 404 404 404 404 404 404 404 405 404 404 404",
    "visit_share":           "302 404 404 404 404 404 404 404 405 404 404 404",
    "office_awards":         "302 404 404 404 404 404 404 404 302 302 404 404",
    "office_awards_year":    "302 404 404 404 404 404 404 404 200 200 404 404",
    "award_select":          "302 404 404 404 404 404 404 404 405 404 404 404",
    "awards_publish":        "302 404 404 404 404 404 404 404 405 404 404 404",
    "awards_export":         "302 404 404 404 404 404 404 404 200 200 404 404",
    # Events: for the programme and every alliance's approved people; only the office acts.
    "event_list":            "302 200 200 200 404 404 200 404 200 200 404 404",
    "event_detail":          "302 200 200 200 404 404 200 404 200 200 404 404",
    "event_ics":             "302 200 200 200 404 404 200 404 200 200 404 404",
    "event_material":        "302 200 200 200 404 404 200 404 200 200 404 404",
    "event_register":        "302 405 405 405 404 404 405 404 405 405 404 404",
    "registration_cancel":   "302 405 405 405 404 404 405 404 405 405 404 404",
    "event_new":             "302 404 404 404 404 404 404 404 200 404 404 404",
    "event_edit":            "302 404 404 404 404 404 404 404 200 404 404 404",
    "event_cancel":          "302 404 404 404 404 404 404 404 200 404 404 404",
    "event_attendance":      "302 404 404 404 404 404 404 404 200 200 404 404",
    "event_material_add":    "302 404 404 404 404 404 404 404 405 404 404 404",
    "event_duties":          "302 404 404 404 404 404 404 404 200 200 404 404",
    "event_activities":      "302 404 404 404 404 404 404 404 200 200 404 404",
    # Announcements (the sample is to everyone with a role in the programme).
    "announcement_list":     "302 200 200 200 200 200 200 200 200 200 200 200",
    "announcement_detail":   "302 200 200 200 404 404 200 404 200 200 200 200",
    "announcement_file":     "302 200 200 200 404 404 200 404 200 200 200 200",
    "announcement_new":      "302 404 404 404 404 404 404 404 200 404 404 404",
    "announcement_email":    "302 404 404 404 404 404 404 404 405 404 404 404",
    # The public directory; the fixture's alliance has no banner, hence 404 for all.
    "directory":             "200 200 200 200 200 200 200 200 200 200 200 200",
    "public_alliance":       "200 200 200 200 200 200 200 200 200 200 200 200",
    "public_banner":         "404 404 404 404 404 404 404 404 404 404 404 404",
    # Open data: the published tables for anyone (the samples are a published year and span).
    "open_data":             "200 200 200 200 200 200 200 200 200 200 200 200",
    "open_data_catalogue":   "200 200 200 200 200 200 200 200 200 200 200 200",
    "open_data_fields_csv":  "200 200 200 200 200 200 200 200 200 200 200 200",
    "open_data_fields_json": "200 200 200 200 200 200 200 200 200 200 200 200",
    "open_data_fee_bands_csv": "200 200 200 200 200 200 200 200 200 200 200 200",
    "open_data_fee_bands_json": "200 200 200 200 200 200 200 200 200 200 200 200",
    "office_alliance_years": "302 404 404 404 404 404 404 404 200 200 404 404",
    "office_alliance_year_new": "302 404 404 404 404 404 404 404 200 404 404 404",
    "office_alliance_year_edit": "302 404 404 404 404 404 404 404 200 404 404 404",
    "office_programme_years": "302 404 404 404 404 404 404 404 200 200 404 404",
    "office_programme_year_new": "302 404 404 404 404 404 404 404 200 404 404 404",
    "office_programme_year_edit": "302 404 404 404 404 404 404 404 200 404 404 404",
    "office_profiles":       "302 404 404 404 404 404 404 404 200 404 404 404",
    "office_profile_review": "302 404 404 404 404 404 404 404 200 404 404 404",
    # The fixture's proposal has no banner: 404 for the office too.
    "office_profile_banner": "302 404 404 404 404 404 404 404 404 404 404 404",
    "office_firms":          "302 404 404 404 404 404 404 404 200 200 404 404",
    "office_firm_edit":      "302 404 404 404 404 404 404 404 200 404 404 404",
    "office_firm_merge":     "302 404 404 404 404 404 404 404 405 404 404 404",
    "office_import":         "302 404 404 404 404 404 404 404 200 404 404 404",
    "office_import_batch":   "302 404 404 404 404 404 404 404 200 404 404 404",
    "office_import_template": "302 404 404 404 404 404 404 404 200 404 404 404",
    "office_export":         "302 404 404 404 404 404 404 404 200 200 404 404",
    # The person's own profile and API tokens (revoked by POST; tests/test_api_tokens.py).
    "profile":               "302 200 200 200 200 200 200 200 200 200 200 200",
    "api_token_revoke":      "302 405 405 405 405 405 405 405 405 405 405 405",
    # django-allauth: account pages are the person's own; nothing in them is an alliance's.
    "account_login":         "200 302 302 302 302 302 302 302 302 302 302 302",
    "account_logout":        "302 200 200 200 200 200 200 200 200 200 200 200",
    "account_inactive":      "200 200 200 200 200 200 200 200 200 200 200 200",
    "account_signup":        "200 302 302 302 302 302 302 302 302 302 302 302",
    "account_reauthenticate": "302 200 200 200 200 200 200 200 200 200 200 200",
    "account_request_reauthentication_code": "302 200 200 200 200 200 200 200 200 200 200 200",
    "account_confirm_reauthentication_code": "302 302 302 302 302 302 302 302 302 302 302 302",
    "account_email":         "302 200 200 200 200 200 200 200 200 200 200 200",
    "account_email_verification_sent": "200 200 200 200 200 200 200 200 200 200 200 200",
    "account_change_password": "302 200 200 200 200 200 200 200 200 200 200 200",
    "account_set_password":  "302 302 302 302 302 302 302 302 302 302 302 302",
    "account_reset_password": "200 200 200 200 200 200 200 200 200 200 200 200",
    "account_confirm_login_code": "302 302 302 302 302 302 302 302 302 302 302 302",
    "account_confirm_email": "200 200 200 200 200 200 200 200 200 200 200 200",
    "account_reset_password_from_key_done": "200 200 200 200 200 200 200 200 200 200 200 200",
    "account_reset_password_from_key": "200 200 200 200 200 200 200 200 200 200 200 200",
    "account_reset_password_done": "200 200 200 200 200 200 200 200 200 200 200 200",
    "mfa_index":             "302 200 200 200 200 200 200 200 200 200 200 200",
    "mfa_authenticate":      "302 302 302 302 302 302 302 302 302 302 302 302",
    "mfa_reauthenticate":    "302 302 302 302 302 302 302 302 200 302 302 302",
    "mfa_activate_totp":     "302 302 302 302 302 302 302 302 302 302 302 302",
    "mfa_deactivate_totp":   "302 404 404 404 404 404 404 404 302 404 404 404",
    "mfa_view_recovery_codes": "302 404 404 404 404 404 404 404 404 404 404 404",
    "mfa_generate_recovery_codes": "302 302 302 302 302 302 302 302 302 302 302 302",
    "mfa_download_recovery_codes": "302 404 404 404 404 404 404 404 404 404 404 404",
}
# fmt: on

# Anonymous redirects that do not go to the login page, and why.
NOT_TO_LOGIN = {
    "account_logout": "nobody to log out: back to the home page",
    "mfa_authenticate": "no login in progress: back to the login flow's start",
}


def admin_expectation(key: str) -> str:
    """The Django admin is for technical staff (is_staff) with two-factor authentication
    only; no canonical user is. Every admin page sends them to its login, which sends the
    anonymous to the portal's login and answers 404 to everyone else."""
    anonymous = "302"
    others = "404" if key == "admin:login" else "302"
    return " ".join([anonymous] + [others] * (len(USERS) - 1))


def expected_for(key: str) -> str | None:
    if key.startswith("api:"):  # the API, signed in with the portal's session
        from tests.api_matrix import api_expectation

        return api_expectation(key)
    if key.startswith("admin:") or key.startswith("admin/"):
        return admin_expectation(key)
    return MATRIX.get(key)


def test_every_url_pattern_is_in_the_matrix():
    keys = [key for key, _pattern, _route in all_patterns()]
    missing = [key for key in keys if expected_for(key) is None]
    assert not missing, f"URL patterns missing from the permission matrix: {missing}"
    stale = sorted(set(MATRIX) - set(keys))
    assert not stale, f"matrix entries for URL patterns that no longer exist: {stale}"


@pytest.mark.parametrize("user_name", USERS)
def test_permission_matrix(client, people, user_name):
    samples = {
        "pk": people.alliance.pk,
        "role_pk": people.pending_role.pk,
        "token": "not-a-real-token",
        "key": "not-a-real-key",
        "uidb36": "zz",
        "object_id": str(people.alliance.pk),
        "content_type_id": "1",
        "id": str(people.outsider.pk),
        "app_label": "accounts",
        "url": "nowhere/",
        "year": 106,
        "mid": people.membership.pk,
        "rid": people.revision.pk,
        "fid": people.firm.pk,
        "code": people.alliance.code,
        "kind": "revenue",
        "record_id": people.entry.pk,
        "eid": people.evidence.pk,
        "filing": "first",
        "number": submitted_first_filing(people).number,
        "period": "first",
        "field": "mech",
        "token_id": 1,
    }
    record = issued_record(people)  # after the submission above: v1 reviewed, no findings
    samples["aid"] = record.pk
    samples["bid"] = BulkIssue.objects.create(
        roc_year=106, period="first", correction_due=record.issued_at.date(), filing_ids=[]
    ).pk
    samples["xid"] = finished_export(people.office, b"PK fake workbook").pk
    samples["batch_id"] = ImportBatch.objects.create(
        user=people.office, scope="office", filename="registry.xlsx", content=b"PK", total=1
    ).pk
    visit = shared_visit(people)
    samples["vid"] = visit.pk
    samples["attendee_id"] = visit.attendees.first().pk
    samples["form_id"] = visit.forms.first().pk
    samples["uid"] = people.reviewer.pk
    samples["affiliation_id"] = ReviewerAffiliation.objects.create(
        reviewer=people.reviewer, kind="institution", institution="國立清華大學"
    ).pk
    event, registration, material = sample_event(people)
    samples["event_id"] = event.pk
    samples["registration_id"] = registration.pk
    samples["material_id"] = material.pk
    announcement = sample_announcement(people)
    samples["nid"] = announcement.pk
    samples["file_id"] = announcement.attachments.get().pk
    samples.update(open_data_samples())
    user = getattr(people, user_name)
    if user is not None:
        client.force_login(user)
    column = USERS.index(user_name)
    wrong = []
    for key, pattern, route in all_patterns():
        url = build(key, pattern, route, samples)
        expected = int(expected_for(key).split()[column])
        response = client.get(url)
        # Every answer carries the Content-Security-Policy; none to a signed-in user may
        # be cached (pages and downloads alike). Health checks are plain text for the load
        # balancer, answered before the session (alliance_portal/health.py), never cached.
        if key.startswith("healthz"):
            pass
        elif "frame-ancestors 'none'" not in response.get("Content-Security-Policy", ""):
            wrong.append(f"{key} {url}: no Content-Security-Policy")
        elif user is not None and response.get("Cache-Control") != "private, no-store":
            wrong.append(f"{key} {url}: Cache-Control {response.get('Cache-Control')!r}")
        if response.status_code != expected:
            wrong.append(f"{key} {url}: expected {expected}, got {response.status_code}")
        elif expected == 302 and user is None and not key.startswith(("admin", "set_language")):
            location = response["Location"]
            if "/accounts/login/" not in location and key not in NOT_TO_LOGIN:
                wrong.append(f"{key}: anonymous sent to {location}, not to the login page")
    assert not wrong, "\n".join(wrong)


def test_role_actions_on_another_alliance_are_404_and_change_nothing(client, people):
    """A PI of another alliance, forging the ids, cannot approve this alliance's request."""
    from core.models import AuditEvent

    client.force_login(people.other_pi)
    events = AuditEvent.objects.count()
    for name in ("role_approve", "role_reject", "role_capabilities", "role_revoke"):
        url = f"/alliances/{people.alliance.pk}/team/{people.pending_role.pk}/{name.split('_')[1]}/"
        response = client.post(url, {"capabilities": ["ledger"], "reason": "forged"})
        assert response.status_code == 404, (name, response.status_code)
    # Their own alliance's id with this alliance's role: still 404.
    url = f"/alliances/{people.other_alliance.pk}/team/{people.pending_role.pk}/approve/"
    assert client.post(url, {"capabilities": []}).status_code == 404
    people.pending_role.refresh_from_db()
    assert people.pending_role.status == "pending"
    assert AuditEvent.objects.count() == events
