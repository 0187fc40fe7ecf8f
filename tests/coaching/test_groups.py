"""The coach home and looking after a group: create, rename, archive, restore; invite links;
removing an athlete after a confirmation. (Moved here with the pages from accounts.)"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Invite, Membership, TrainingGroup
from coaching.models import CoachAction
from tests.coaching.conftest import later, member
from tests.factories import CoachFactory, GroupFactory, InviteFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def kinds() -> list[str]:
    return list(CoachAction.objects.order_by("pk").values_list("kind", flat=True))


def test_a_coach_lands_on_their_coach_home(client, coach):
    client.force_login(coach)
    assert client.get(reverse("home"))["Location"] == reverse("coaching:home")
    page = client.get(reverse("coaching:home")).content.decode()
    assert "You have no groups yet" in page
    assert 'aria-current="page">Groups</a>' in page


def test_a_coach_creates_a_group_with_a_live_invite_link(client, coach):
    client.force_login(coach)
    response = client.post(reverse("coaching:group_create"), {"name": "  Tuesday   beginners "})
    group = TrainingGroup.objects.get()
    assert response["Location"] == reverse("coaching:group_settings", args=[group.pk])
    assert group.name == "Tuesday beginners"
    invite = Invite.objects.get(group=group)
    page = client.get(reverse("coaching:group_settings", args=[group.pk])).content.decode()
    assert f"/join/{invite.token}/" in page
    assert 'data-copy-target="invite-url"' in page
    home = client.get(reverse("coaching:home")).content.decode()
    assert f"/join/{invite.token}/" in home and "Copy link" in home
    assert kinds() == ["group_created"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("tuesday", "You already have a group with this name."),
        ("   ", "Please give the group a name."),
        ("x" * 81, "Keep the name to 80 characters."),
    ],
)
def test_a_bad_group_name_is_refused(client, coach, name, message):
    GroupFactory(coach=coach, name="Tuesday")
    client.force_login(coach)
    response = client.post(reverse("coaching:group_create"), {"name": name})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert TrainingGroup.objects.count() == 1
    assert not CoachAction.objects.exists()


def test_the_home_page_counts_statuses_and_what_needs_attention(client, clock, group):
    for status in ["urgent", "needs_clinician", "paused", "on_track", "on_track", "finished"]:
        member(group, status)
    behind = member(group, "on_track", name="Fallen Behind")
    later(clock, days=3)  # Thursday: Wednesday's runs were missed
    client.force_login(group.coach)
    page = client.get(reverse("coaching:home")).content.decode()
    assert "7 athletes" in page
    assert "1 urgent" in page and "1 needs clinician" in page and "3 on track" in page
    assert "2 red flags" in page
    assert "1 new pause" in page
    assert "3 with missed runs" in page
    assert f'href="{reverse("coaching:athlete", args=[behind.pk])}"' in page
    assert "and 1 more" in page  # five names listed; the review page has the rest
    assert page.index("Urgent</a>: urgent") < page.index("Needs Clinician</a>")


def test_a_pause_stops_being_new_after_a_week(client, clock, group):
    member(group, "paused")
    later(clock, days=8)
    client.force_login(group.coach)
    page = client.get(reverse("coaching:home")).content.decode()
    assert "new pause" not in page
    assert "1 paused" in page


def test_a_coach_renames_a_group(client, coach):
    group = GroupFactory(coach=coach, name="Old name")
    GroupFactory(coach=coach, name="Taken")
    client.force_login(coach)
    url = reverse("coaching:group_rename", args=[group.pk])
    response = client.post(url, {"name": "taken"})
    assert response.status_code == 400
    assert "You already have a group with this name." in response.content.decode()
    assert client.post(url, {"name": "New name"}).status_code == 302
    group.refresh_from_db()
    assert group.name == "New name"
    action = CoachAction.objects.get()
    assert (action.kind, action.data) == ("group_renamed", {"from": "Old name", "to": "New name"})


def test_archiving_stops_the_link_and_restoring_does_not_bring_it_back(client, coach, athlete):
    invite = InviteFactory(group=GroupFactory(coach=coach, name="Spring"))
    group = invite.group
    MembershipFactory(group=group, athlete=athlete)
    client.force_login(coach)
    client.post(reverse("coaching:group_archive", args=[group.pk]))
    group.refresh_from_db()
    assert group.is_archived
    invite.refresh_from_db()
    assert invite.revoked_at is not None
    home = client.get(reverse("coaching:home")).content.decode()
    assert "Archived groups" in home and "Restore Spring" in home
    # Still readable; no invite can be made while archived.
    assert client.get(reverse("coaching:group_review", args=[group.pk])).status_code == 200
    client.post(reverse("coaching:invite_regenerate", args=[group.pk]))
    assert not Invite.objects.filter(revoked_at=None).exists()
    # Archiving twice changes nothing.
    client.post(reverse("coaching:group_archive", args=[group.pk]))
    # A new group may take the name meanwhile; restoring then asks for a rename first.
    GroupFactory(coach=coach, name="Spring")
    client.post(reverse("coaching:group_restore", args=[group.pk]))
    group.refresh_from_db()
    assert group.is_archived
    TrainingGroup.objects.filter(coach=coach, archived_at=None).update(name="Spring 2")
    client.post(reverse("coaching:group_restore", args=[group.pk]))
    group.refresh_from_db()
    assert not group.is_archived
    assert not Invite.objects.filter(group=group, revoked_at=None).exists()
    assert Membership.objects.filter(group=group, athlete=athlete).exists()
    assert kinds() == ["group_archived", "group_restored"]


def test_regenerating_revokes_the_old_link(client, coach):
    invite = InviteFactory(group=GroupFactory(coach=coach))
    client.force_login(coach)
    client.post(reverse("coaching:invite_regenerate", args=[invite.group_id]))
    invite.refresh_from_db()
    assert invite.revoked_at is not None
    fresh = Invite.objects.get(revoked_at=None)
    assert fresh.token != invite.token
    assert client.get(reverse("accounts:join", args=[invite.token])).status_code == 404
    assert client.get(reverse("accounts:join", args=[fresh.token])).status_code == 200
    assert kinds() == ["invite_regenerated"]


def test_revoking_stops_anyone_joining(client, coach, athlete):
    invite = InviteFactory(group=GroupFactory(coach=coach))
    client.force_login(coach)
    client.post(reverse("coaching:invite_revoke", args=[invite.group_id]))
    client.post(reverse("coaching:invite_revoke", args=[invite.group_id]))  # twice: harmless
    client.force_login(athlete)
    response = client.post(reverse("accounts:join", args=[invite.token]), {"token": invite.token})
    assert response.status_code == 404
    assert "not valid any more" in response.content.decode()
    assert not Membership.objects.exists()
    assert kinds() == ["invite_revoked"]


def test_removing_an_athlete_asks_first(client):
    mine = MembershipFactory()
    coach = mine.group.coach
    client.force_login(coach)
    url = reverse("coaching:member_remove", args=[mine.group_id, mine.athlete_id])
    page = client.get(url).content.decode()
    assert f"Remove {mine.athlete.display_name} from {mine.group.name}?" in page
    assert Membership.objects.count() == 1
    assert client.post(url)["Location"] == reverse("coaching:group_settings", args=[mine.group_id])
    assert not Membership.objects.exists()
    action = CoachAction.objects.get()
    assert (action.kind, action.athlete, action.group) == (
        "athlete_removed",
        mine.athlete,
        mine.group,
    )
    # Removed already: there is nothing to confirm any more.
    assert client.get(url).status_code == 404


def test_a_coach_removes_an_athlete_only_from_their_own_group(client):
    mine = MembershipFactory()
    theirs = MembershipFactory()
    client.force_login(mine.group.coach)
    url = reverse("coaching:member_remove", args=[theirs.group_id, theirs.athlete_id])
    assert client.post(url).status_code == 404
    # Their own group, but someone who is not in it.
    url = reverse("coaching:member_remove", args=[mine.group_id, theirs.athlete_id])
    assert client.post(url).status_code == 404
    assert Membership.objects.count() == 2


def test_the_athlete_sees_which_coaches_can_see_their_data(client, athlete):
    MembershipFactory(athlete=athlete, group=GroupFactory(coach=CoachFactory(display_name="Kim")))
    client.force_login(athlete)
    page = client.get(reverse("accounts:my_groups")).content.decode()
    assert "These coaches can see your plan and your pain logs." in page
    assert "Kim" in page
