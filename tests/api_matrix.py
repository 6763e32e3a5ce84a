"""Who gets what from each API endpoint: the status of the portal page that shows the same
thing to the same person (tests/test_permission_matrix.py's MATRIX), so that a token — or
the portal's session — never sees more, nor less, than its owner sees in the portal."""

from tests.test_permission_matrix import MATRIX, USERS

# API endpoint → the portal page showing the same data; the page's column is the API's.
SAME_AS_PAGE = {
    "api:alliance-detail": "alliance_dashboard",
    "api:alliance-years": "alliance_dashboard",
    "api:members": "members_list",
    "api:ledger": "ledger",
    "api:filings": "filing_list",
    "api:audit-records": "audit_record_pdf",
    "api:report-fields": "report_fields",
    "api:report-fee-bands": "report_fee_bands",
    "api:report-self-sufficiency": "report_self_sufficiency",
}
# Every signed-in person lists the alliances they may see (none for some); public: the
# schema and its documentation.
EVERY_SIGNED_IN = {"api:alliance-list"}
PUBLIC = {"api:schema", "api:docs"}


def api_expectation(key: str) -> str | None:
    """The statuses, in USERS' order; anonymous askers get 401 (send a token)."""
    if key in PUBLIC:
        return " ".join(["200"] * len(USERS))
    if key in EVERY_SIGNED_IN:
        return " ".join(["401"] + ["200"] * (len(USERS) - 1))
    page = SAME_AS_PAGE.get(key)
    if page is None:
        return None
    signed_in = MATRIX[page].split()[1:]
    assert set(signed_in) <= {"200", "404"}, f"{page} is not a page that reads: {signed_in}"
    return " ".join(["401", *signed_in])
