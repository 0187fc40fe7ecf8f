"""Every coach and athlete URL, as everyone who might ask for it.

Who: anonymous, the athlete, another athlete, the athlete's coach, a coach of another group and
a coach with no group. Every forbidden request gets 403 or 404 and changes no row of any model;
only an anonymous GET of a page may redirect to the login page instead (a form posted without
a session gets 403: a redirect would drop what was posted).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.urls import get_resolver, reverse

from tests.coaching.conftest import member
from tests.factories import (
    CoachFactory,
    CoachNoteFactory,
    GroupFactory,
    InviteFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

ANON, ATHLETE, OTHER_ATHLETE, COACH, OTHER_COACH, NO_GROUP_COACH = (
    "anonymous",
    "the athlete",
    "another athlete",
    "the athlete's coach",
    "a coach of another group",
    "a coach with no group",
)
EVERYONE = (ANON, ATHLETE, OTHER_ATHLETE, COACH, OTHER_COACH, NO_GROUP_COACH)
SIGNED_IN = frozenset(EVERYONE) - {ANON}
COACHES = frozenset({COACH, OTHER_COACH, NO_GROUP_COACH})


@dataclass(frozen=True)
class Case:
    name: str  # URL name
    method: str
    args: tuple[str, ...] = ()  # "group", "athlete", "note", "token"
    data: dict = field(default_factory=dict)
    allowed: frozenset[str] = frozenset({COACH})

    def __str__(self) -> str:
        return f"{self.method} {self.name}"


CASES = [
    Case("coaching:home", "GET", allowed=COACHES),
    Case("coaching:group_create", "POST", data={"name": "Brand new"}, allowed=COACHES),
    Case("coaching:group_review", "GET", ("group",)),
    Case("coaching:group_export", "GET", ("group",)),
    Case("coaching:group_settings", "GET", ("group",)),
    Case("coaching:group_rename", "POST", ("group",), {"name": "Renamed"}),
    Case("coaching:group_archive", "POST", ("group",)),
    Case("coaching:group_restore", "POST", ("group",)),
    Case("coaching:invite_regenerate", "POST", ("group",)),
    Case("coaching:invite_revoke", "POST", ("group",)),
    Case("coaching:member_remove", "GET", ("group", "athlete")),
    Case("coaching:member_remove", "POST", ("group", "athlete")),
    Case("coaching:athlete", "GET", ("athlete",)),
    Case("coaching:note_add", "POST", ("athlete",), {"body": "A note"}),
    Case("coaching:note_edit", "GET", ("note",)),
    Case("coaching:note_edit", "POST", ("note",), {"body": "Changed"}),
    Case("coaching:note_delete", "POST", ("note",)),
    Case(
        "coaching:override",
        "POST",
        ("athlete",),
        {"change": "move_week", "week": "2", "reason": "Fine really"},
    ),
    Case("coaching:override", "POST", ("athlete",), {"change": "cancel_hold", "reason": "Fine"}),
    Case("coaching:cap", "POST", ("athlete",), {"cap_percent": "5", "reason": "Slower"}),
    Case(
        "coaching:clearance",
        "POST",
        ("athlete",),
        {"cleared_on": "2026-05-04", "clinician": "Dr Patel"},
    ),
    # The athlete's side: which coaches can see my data; leave a group; join by a link.
    Case("accounts:my_groups", "GET", allowed=SIGNED_IN),
    Case("accounts:leave_group", "POST", ("group",), allowed=frozenset({ATHLETE})),
    Case("accounts:join", "GET", ("token",), allowed=frozenset(EVERYONE)),
]


def row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


@pytest.fixture
def world(clock, group):
    """The athlete (rolled back, so every plan action applies) in the coach's group; another
    athlete in another coach's group; a coach with no group; the coach's note."""
    athlete = member(group, "rolled_back", name="The Athlete")
    invite = InviteFactory(group=group)
    other_group = GroupFactory(coach=CoachFactory())
    other_athlete = member(other_group, "on_track", name="Another Athlete")
    note = CoachNoteFactory(coach=group.coach, athlete=athlete, member=False)
    return {
        "users": {
            ATHLETE: athlete,
            OTHER_ATHLETE: other_athlete,
            COACH: group.coach,
            OTHER_COACH: other_group.coach,
            NO_GROUP_COACH: CoachFactory(),
        },
        "args": {"group": group.pk, "athlete": athlete.pk, "note": note.pk, "token": invite.token},
    }


def request(client, world, case: Case):
    url = reverse(case.name, args=[world["args"][a] for a in case.args])
    if case.method == "GET":
        return client.get(url)
    return client.post(url, case.data)


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_only_those_allowed_get_through_and_the_rest_change_nothing(client, world, case, who):
    if who != ANON:
        client.force_login(world["users"][who])
    before = row_counts()
    response = request(client, world, case)
    if who in case.allowed:
        assert response.status_code in (200, 302, 409), response.status_code
        return
    if who == ANON and case.method == "GET":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login") + "?next=")
    else:
        assert response.status_code in (403, 404), response.status_code
    assert row_counts() == before


def test_a_coach_of_the_athlete_in_another_group_sees_them_but_not_this_group(client, world):
    """Sharing an athlete does not open the other coach's group or notes."""
    athlete = world["users"][ATHLETE]
    other_coach = world["users"][OTHER_COACH]
    MembershipFactory(group=GroupFactory(coach=other_coach), athlete=athlete)
    client.force_login(other_coach)
    assert client.get(reverse("coaching:athlete", args=[athlete.pk])).status_code == 200
    group = world["args"]["group"]
    assert client.get(reverse("coaching:group_review", args=[group])).status_code == 404
    note = world["args"]["note"]
    assert client.get(reverse("coaching:note_edit", args=[note])).status_code == 404


def test_every_coaching_url_is_in_the_matrix():
    names = {
        f"coaching:{name}"
        for name in get_resolver().namespace_dict["coaching"][1].reverse_dict
        if isinstance(name, str)
    }
    assert names == {c.name for c in CASES if c.name.startswith("coaching:")}
