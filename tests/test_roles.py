"""Team roles: approval under the PI, capabilities, revocation, co-PIs, handover — each
role event with exactly one audit entry holding before and after."""

import pytest

from alliances import permissions, services
from alliances.models import AllianceRole, Capability, RoleStatus, TeamRole
from core.models import AuditEvent, OutboundEmail


def events():
    return list(AuditEvent.objects.order_by("pk"))


def only_new_event(before_count):
    new = events()[before_count:]
    assert len(new) == 1, [e.action for e in new]
    event = new[0]
    assert event.before and event.after, "an audit entry records before and after"
    return event


@pytest.mark.parametrize("manager", ["pi", "copi"])
def test_pi_or_co_pi_approves_with_capabilities(people, manager):
    by = getattr(people, manager)
    count = AuditEvent.objects.count()
    services.assistant_approve(
        role=people.pending_role, by=by, capabilities=[Capability.LEDGER, Capability.EVENTS]
    )
    role = AllianceRole.objects.get(pk=people.pending_role.pk)
    assert role.status == RoleStatus.ACTIVE
    assert role.capabilities == ["events", "ledger"]
    assert role.decided_by == by
    event = only_new_event(count)
    assert event.action == "role.approved" and event.actor == by
    assert event.before["status"] == "pending"
    assert event.after == {
        "user": "pending@example.org",
        "role": "assistant",
        "status": "active",
        "capabilities": ["events", "ledger"],
    }
    mail = OutboundEmail.objects.get(to=["pending@example.org"])
    assert "核准" in mail.subject


def test_replaying_an_approval_changes_nothing(people):
    services.assistant_approve(role=people.pending_role, by=people.pi, capabilities=[])
    count = AuditEvent.objects.count()
    with pytest.raises(services.TeamError, match="已處理"):
        services.assistant_approve(
            role=people.pending_role, by=people.copi, capabilities=["filings"]
        )
    role = AllianceRole.objects.get(pk=people.pending_role.pk)
    assert role.capabilities == [] and role.decided_by == people.pi
    assert AuditEvent.objects.count() == count


def test_assistants_can_never_approve_certify_or_change_roles(people):
    for name in ("assistant", "pending", "revoked"):
        user = getattr(people, name)
        assert not permissions.can_manage_team(user, people.alliance)
        assert not permissions.can_manage_co_pis(user, people.alliance)
        assert not permissions.can_certify(user, people.alliance)
    with pytest.raises(services.TeamError):
        services.assistant_approve(role=people.pending_role, by=people.assistant, capabilities=[])
    assert AllianceRole.objects.get(pk=people.pending_role.pk).status == RoleStatus.PENDING


def test_a_co_pi_does_all_but_certify_and_appoint_co_pis(people):
    assert permissions.can_manage_team(people.copi, people.alliance)
    assert permissions.has_capability(people.copi, people.alliance, Capability.FILINGS)
    assert not permissions.can_certify(people.copi, people.alliance)
    assert permissions.can_certify(people.pi, people.alliance)
    with pytest.raises(services.TeamError, match="只有計畫主持人"):
        services.co_pi_appoint(
            alliance=people.alliance, by=people.copi, email="new@example.org", name="新人"
        )
    with pytest.raises(services.TeamError):
        services.role_revoke(role=people.copi_role, by=people.copi)


def test_outsiders_get_404_from_services(people):
    from django.http import Http404

    with pytest.raises(Http404):
        services.assistant_approve(role=people.pending_role, by=people.other_pi, capabilities=[])
    with pytest.raises(Http404):
        services.pi_handover(alliance=people.alliance, by=people.pi, email="x@example.org")


def test_rejection_needs_a_reason_which_is_emailed(people):
    with pytest.raises(services.TeamError):
        services.assistant_reject(role=people.pending_role, by=people.pi, reason="  ")
    count = AuditEvent.objects.count()
    services.assistant_reject(role=people.pending_role, by=people.pi, reason="不認識此人")
    role = AllianceRole.objects.get(pk=people.pending_role.pk)
    assert role.status == RoleStatus.REJECTED and role.reason == "不認識此人"
    event = only_new_event(count)
    assert event.action == "role.rejected" and event.reason == "不認識此人"
    mail = OutboundEmail.objects.get(to=["pending@example.org"])
    assert "不認識此人" in mail.body_text


def test_capability_change_is_recorded_before_and_after(people):
    count = AuditEvent.objects.count()
    services.assistant_set_capabilities(
        role=people.assistant_role, by=people.copi, capabilities=["filings"]
    )
    event = only_new_event(count)
    assert event.action == "role.capabilities_changed"
    assert event.before["capabilities"] == ["ledger"]
    assert event.after["capabilities"] == ["filings"]
    with pytest.raises(services.TeamError, match="沒有變更"):
        services.assistant_set_capabilities(
            role=people.assistant_role, by=people.copi, capabilities=["filings"]
        )
    with pytest.raises(services.TeamError, match="無此權限"):
        services.assistant_set_capabilities(
            role=people.assistant_role, by=people.copi, capabilities=["certify"]
        )
    assert AuditEvent.objects.count() == count + 1


def test_revocation_ends_access_on_the_next_request(client, people):
    client.force_login(people.assistant)
    url = f"/alliances/{people.alliance.pk}/"
    assert client.get(url).status_code == 200
    count = AuditEvent.objects.count()
    services.role_revoke(role=people.assistant_role, by=people.pi, reason="離職")
    event = only_new_event(count)
    assert event.action == "role.revoked" and event.after["status"] == "revoked"
    assert client.get(url).status_code == 404
    assert client.get(f"/alliances/{people.alliance.pk}/team/").status_code == 404


def test_handover_ends_the_old_pi_and_keeps_history(client, people):
    count = AuditEvent.objects.count()
    new = services.pi_handover(
        alliance=people.alliance,
        by=people.office,
        email="successor@example.org",
        name="接任主持人",
        reason="退休",
    )
    event = only_new_event(count)
    assert event.action == "role.handover"
    assert event.before == {"pi": "pi@example.org"}
    assert event.after == {"pi": "successor@example.org"}
    old = AllianceRole.objects.get(pk=people.pi_role.pk)
    assert old.status == RoleStatus.ENDED and old.ended_at is not None
    assert new.role == TeamRole.PI and new.status == RoleStatus.ACTIVE
    client.force_login(people.pi)
    assert client.get(f"/alliances/{people.alliance.pk}/").status_code == 404
    invitation = OutboundEmail.objects.get(to=["successor@example.org"])
    assert "/invitation/" in invitation.body_text


def test_handover_to_the_co_pi_ends_their_co_pi_role_in_the_same_event(people):
    count = AuditEvent.objects.count()
    services.pi_handover(alliance=people.alliance, by=people.office, email="copi@example.org")
    event = only_new_event(count)
    assert event.before["new_pi_previous_role"] == "co_pi"
    assert AllianceRole.objects.get(pk=people.copi_role.pk).status == RoleStatus.ENDED
    live = AllianceRole.objects.filter(alliance=people.alliance, user=people.copi, status="active")
    assert [r.role for r in live] == ["pi"]
    assert OutboundEmail.objects.get(to=["copi@example.org"]).template == "role_granted"


def test_pi_assign_refuses_an_alliance_that_has_a_pi(people):
    with pytest.raises(services.TeamError, match="請改用移交"):
        services.pi_assign(alliance=people.alliance, by=people.office, email="x@example.org")


def test_one_person_holds_roles_in_several_alliances(client, people):
    services.co_pi_appoint(
        alliance=people.other_alliance, by=people.other_pi, email="pi@example.org"
    )
    client.force_login(people.pi)
    html = client.get("/dashboard/").content.decode()
    assert people.alliance.name_zh in html and people.other_alliance.name_zh in html
    assert client.get(f"/alliances/{people.other_alliance.pk}/").status_code == 200
    assert permissions.can_certify(people.pi, people.alliance)
    assert not permissions.can_certify(people.pi, people.other_alliance)


def test_pi_sees_pending_assistants_as_a_to_do(client, people):
    client.force_login(people.pi)
    html = client.get("/dashboard/").content.decode()
    assert "吳助理" in html and f"/team/{people.pending_role.pk}/approve/" in html


def test_role_history_is_shown_to_the_pi_and_the_office_not_to_assistants(client, people):
    services.assistant_approve(role=people.pending_role, by=people.copi, capabilities=["ledger"])
    for user, visible in [(people.pi, True), (people.office, True), (people.assistant, False)]:
        client.force_login(user)
        html = client.get(f"/alliances/{people.alliance.pk}/team/").content.decode()
        assert ("助理已核准" in html) is visible, user
    client.force_login(people.office)
    html = client.get("/office/audit/").content.decode()
    assert "助理已核准" in html and "張共同主持人" in html


def test_approving_through_the_page(client, people):
    client.force_login(people.pi)
    url = f"/alliances/{people.alliance.pk}/team/{people.pending_role.pk}/approve/"
    response = client.post(url, {"capabilities": ["ledger", "filings"]})
    assert response.status_code == 302
    assert AllianceRole.objects.get(pk=people.pending_role.pk).capabilities == ["filings", "ledger"]
    again = client.post(url, {"capabilities": []}, follow=True)
    assert "已處理" in again.content.decode()
    bad = client.post(
        url.replace("approve", "capabilities").replace(
            str(people.pending_role.pk), str(people.assistant_role.pk)
        ),
        {"capabilities": ["certify"]},
    )
    assert bad.status_code == 200 and "certify" in bad.content.decode()
    assert AllianceRole.objects.get(pk=people.assistant_role.pk).capabilities == ["ledger"]


def test_every_role_event_writes_exactly_one_audit_entry(people):
    """request, approval, rejection, capability change, revocation, co-PI appointment,
    PI assignment and handover: one entry each, with before and after."""
    from alliances.models import Alliance

    steps = [
        (
            "role.requested",
            lambda: services.assistant_register(
                email="n1@example.org",
                name="甲",
                password="Kx8#mPq2!vL9",
                alliance=people.alliance,
            ),
        ),
        (
            "role.approved",
            lambda: services.assistant_approve(
                role=people.pending_role, by=people.pi, capabilities=["ledger"]
            ),
        ),
        (
            "role.rejected",
            lambda: services.assistant_reject(
                role=AllianceRole.objects.get(user__email="n1@example.org"),
                by=people.copi,
                reason="不明人士",
            ),
        ),
        (
            "role.capabilities_changed",
            lambda: services.assistant_set_capabilities(
                role=people.assistant_role, by=people.pi, capabilities=[]
            ),
        ),
        ("role.revoked", lambda: services.role_revoke(role=people.assistant_role, by=people.copi)),
        (
            "role.co_pi_appointed",
            lambda: services.co_pi_appoint(
                alliance=people.alliance, by=people.pi, email="co2@example.org", name="乙"
            ),
        ),
        (
            "role.pi_assigned",
            lambda: services.pi_assign(
                alliance=Alliance.objects.create(
                    name_zh="新聯盟",
                    field=people.alliance.field,
                    institution="某大學",
                    team_type="single_lab",
                ),
                by=people.office,
                email="p3@example.org",
                name="丙",
            ),
        ),
        (
            "role.handover",
            lambda: services.pi_handover(
                alliance=people.alliance, by=people.office, email="p4@example.org", name="丁"
            ),
        ),
    ]
    for action, step in steps:
        count = AuditEvent.objects.count()
        step()
        event = only_new_event(count)
        assert event.action == action
        assert event.alliance is not None and event.occurred_at is not None
