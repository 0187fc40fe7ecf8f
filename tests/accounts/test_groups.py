from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership
from tests.factories import CoachFactory, InviteFactory, MembershipFactory

pytestmark = pytest.mark.django_db

# The coach's side of groups (create, invite links, removing athletes) lives in coaching and is
# tested in tests/coaching/test_groups.py.


def test_an_athlete_joins_by_link_later_and_twice_is_harmless(client, athlete):
    invite = InviteFactory()
    client.force_login(athlete)
    page = client.get(reverse("accounts:join", args=[invite.token]))
    assert invite.group.coach.display_name in page.content.decode()
    for _ in range(2):
        client.post(reverse("accounts:join", args=[invite.token]), {"token": invite.token})
    assert Membership.objects.filter(athlete=athlete, group=invite.group).count() == 1


@pytest.mark.parametrize("posted", [{}, {"token": ""}, {"token": "another-token"}])
def test_an_incomplete_join_request_is_a_400_that_says_so_and_joins_nothing(
    client, athlete, posted
):
    invite = InviteFactory()
    client.force_login(athlete)
    response = client.post(reverse("accounts:join", args=[invite.token]), posted)
    assert response.status_code == 400
    page = response.content.decode()
    assert "That join request was not complete, so nothing was changed." in page
    assert f'value="{invite.token}"' in page  # a fresh form, ready to send again
    assert not Membership.objects.exists()


def test_an_anonymous_visitor_is_offered_sign_up_with_the_invite(client):
    invite = InviteFactory()
    page = client.get(reverse("accounts:join", args=[invite.token])).content.decode()
    assert f"/accounts/signup/?invite={invite.token}" in page


def test_an_athlete_sees_their_coaches_and_can_leave(client, athlete):
    membership = MembershipFactory(athlete=athlete)
    client.force_login(athlete)
    page = client.get(reverse("accounts:my_groups")).content.decode()
    assert membership.group.coach.display_name in page
    client.post(reverse("accounts:leave_group", args=[membership.group_id]))
    assert not Membership.objects.exists()


def test_leaving_a_group_you_are_not_in_is_a_404_and_changes_nothing(client, athlete):
    other = MembershipFactory()
    client.force_login(athlete)
    assert client.post(reverse("accounts:leave_group", args=[other.group_id])).status_code == 404
    assert Membership.objects.count() == 1


def test_a_coach_cannot_join_their_own_group(client):
    invite = InviteFactory()
    client.force_login(invite.group.coach)
    client.post(reverse("accounts:join", args=[invite.token]), {"token": invite.token})
    assert not Membership.objects.exists()


def test_coach_factory_makes_coaches():
    assert CoachFactory().is_coach
