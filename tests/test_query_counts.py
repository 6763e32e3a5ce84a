"""Pages run a bounded number of queries whatever the data size: each page is measured
with a little data and again with ten times as much, against a pinned ceiling."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import user_create
from alliances import services
from alliances.models import Alliance, AllianceRole, Field, RoleStatus, TeamRole


def grow(people, n, tag):
    """n more alliances (each with a PI, a pending assistant and their role events) and n
    more people in the demo alliance's team, half of them waiting for approval."""
    field = Field.objects.get(code="ict")
    for i in range(n):
        alliance = Alliance.objects.create(
            name_zh=f"{tag}聯盟{i:03d}", field=field, institution="某大學", team_type="single_lab"
        )
        services.pi_assign(
            alliance=alliance, by=people.office, email=f"pi{i}@{tag}.org", name=f"主{i}"
        )
        AllianceRole.objects.create(
            alliance=alliance,
            user=user_create(email=f"as{i}@{tag}.org", name=f"助{i}", email_verified=False),
            role=TeamRole.ASSISTANT,
            status=RoleStatus.PENDING,
        )
        AllianceRole.objects.create(
            alliance=people.alliance,
            user=user_create(email=f"team{i}@{tag}.org", name=f"員{i}"),
            role=TeamRole.ASSISTANT,
            status=RoleStatus.ACTIVE if i % 2 else RoleStatus.PENDING,
            capabilities=["ledger"],
        )


# (who, path, ceiling): the ceiling is the most queries the page may ever run.
PAGES = [
    (None, "/", 5),
    (None, "/directory/", 5),
    ("pi", "/alliances/{pk}/members/106/", 10),
    ("office", "/office/firms/", 10),
    ("pi", "/alliances/{pk}/kpi/106/", 26),
    ("pi", "/alliances/{pk}/ledger/106/revenue/", 10),
    # + the announcements addressed to them, fields, files; the work queue (issue 26): the
    # years with the ledger's stored check errors, filings, their extensions and audit
    # records, the year's events, their fields and the alliance's registrations, visits
    ("pi", "/dashboard/", 16),
    ("pi", "/alliances/{pk}/", 7),
    ("pi", "/alliances/{pk}/team/", 6),
    ("office", "/dashboard/", 17),  # the work queue (alliance_portal/queues/programme.py)
    ("office", "/office/alliances/", 7),
    ("office", "/office/audit/", 6),
    ("viewer", "/office/alliances/", 6),
]


@pytest.mark.parametrize(("who", "path", "ceiling"), PAGES)
def test_query_count_is_bounded(client, people, who, path, ceiling):
    if who:
        client.force_login(getattr(people, who))
    url = path.format(pk=people.alliance.pk)
    counts = []
    for n, tag in ((3, "small"), (30, "large")):
        grow(people, n, tag)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[1] <= counts[0], f"{url}: {counts[0]} queries grew to {counts[1]}"
    assert counts[1] <= ceiling, f"{url}: {counts[1]} queries, ceiling {ceiling}"
