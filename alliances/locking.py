"""Row locks that serialise changes to one alliance-year."""

from alliances.models import AllianceYear


def ledger_lock(alliance_year_id: int) -> None:
    """Lock an alliance-year's row until the transaction ends. Every change to its members
    or ledger takes this lock first, and so does the submission of a filing: a snapshot is
    taken from one consistent ledger state, never from half an edit (kpi.filings.services). Call it
    inside a transaction."""
    list(
        AllianceYear.objects.select_for_update()
        .filter(pk=alliance_year_id)
        .values_list("pk", flat=True)
    )
