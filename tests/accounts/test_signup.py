from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Membership, User
from tests.factories import InviteFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "display_name": "Ann Runner",
    "email": "Ann@Example.com",
    "password1": "slow and steady wins",
    "password2": "slow and steady wins",
    "role": "athlete",
    "time_zone": "America/New_York",
}


def signup(client, **changes):
    return client.post(reverse("account_signup"), {**GOOD, **changes})


def errors(response) -> str:
    return response.content.decode()


def test_it_signs_up_an_athlete_and_lands_on_their_home_page(client):
    response = signup(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = User.objects.get()
    assert user.email == "ann@example.com"
    assert user.display_name == "Ann Runner"
    assert user.time_zone == "America/New_York"
    assert user.role == "athlete"
    assert not user.has_verified_email
    home = client.get(reverse("home"))
    assert "Welcome, Ann Runner" in home.content.decode()


def test_it_sends_a_verification_email_naming_our_site(client):
    signup(client)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ann@example.com"]
    assert "Walk-Run Coach" in message.subject
    assert "/accounts/confirm-email/" in message.body


def test_it_signs_up_a_coach_who_lands_on_their_groups(client):
    signup(client, role="coach")
    assert User.objects.get().is_coach
    assert client.get(reverse("home"))["Location"] == reverse("coaching:home")


@pytest.mark.parametrize("email", ["ann@example.com", "ANN@EXAMPLE.COM", "Ann@example.COM"])
def test_it_refuses_an_email_that_exists_in_any_case(client, email):
    UserFactory(email="ann@example.com")
    response = signup(client, email=email)
    assert response.status_code == 400
    assert "already registered with this email" in errors(response)
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 12 characters"),
        ("password1234", "too common"),
        ("123456789012345", "entirely numeric"),
    ],
)
def test_it_refuses_a_weak_password(client, password, message):
    response = signup(client, password1=password, password2=password)
    assert response.status_code == 400
    assert message in errors(response)
    assert not User.objects.exists()


@pytest.mark.parametrize("email", ["not-an-email", "ann@", "@example.com", "ann example@x.com", ""])
def test_it_refuses_a_malformed_email(client, email):
    response = signup(client, email=email)
    assert response.status_code == 400
    assert not User.objects.exists()


def test_it_refuses_an_unknown_time_zone_and_a_missing_name(client):
    response = signup(client, time_zone="Mars/Olympus_Mons", display_name="   ")
    assert response.status_code == 400
    body = errors(response)
    assert "is not a time zone we know" in body
    assert "This field is required" in body or "what to call you" in body
    assert not User.objects.exists()


def test_it_joins_the_group_of_a_valid_invite_at_sign_up(client):
    invite = InviteFactory()
    page = client.get(reverse("account_signup") + f"?invite={invite.token}")
    assert f"You are joining <strong>{invite.group.name}</strong>" in page.content.decode()
    response = signup(client, invite=invite.token)
    assert response.status_code == 302
    assert Membership.objects.get().group == invite.group


@pytest.mark.parametrize("kind", ["bogus", "revoked", "archived"])
def test_it_refuses_a_bogus_or_revoked_invite_and_creates_nothing(client, kind):
    from django.utils import timezone

    invite = InviteFactory()
    token = invite.token
    if kind == "bogus":
        token = "not-a-real-token"
    elif kind == "revoked":
        invite.revoked_at = timezone.now()
        invite.save()
    else:
        invite.group.archived_at = timezone.now()
        invite.group.save()
    response = signup(client, invite=token)
    assert response.status_code == 400
    assert "invite link is not valid any more" in errors(response)
    assert not User.objects.filter(email="ann@example.com").exists()
    assert not Membership.objects.exists()


def test_the_database_refuses_two_emails_differing_only_in_case():
    UserFactory(email="same@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(email="same@example.com").update(email="SAME@example.com")
        User.objects.create(email="same@example.com", display_name="x")


def test_it_logs_in_with_the_email_in_any_case(client):
    UserFactory(email="bo@example.com")
    response = client.post(
        reverse("account_login"),
        {"login": "BO@Example.com", "password": "a long enough test password"},
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_a_wrong_password_gets_a_clear_message_and_a_400(client):
    UserFactory(email="bo@example.com")
    response = client.post(
        reverse("account_login"), {"login": "bo@example.com", "password": "nope"}
    )
    assert response.status_code == 400
    assert "not correct" in errors(response)


def test_password_reset_looks_the_same_for_known_and_unknown_emails(client):
    UserFactory(email="bo@example.com")
    known = client.post(reverse("account_reset_password"), {"email": "bo@example.com"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mail.outbox] == [["bo@example.com"], ["nobody@example.com"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert "/accounts/password/reset/key/" not in mail.outbox[1].body


def test_it_changes_the_password(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "a long enough test password",
            "password1": "a brand new long password",
            "password2": "a brand new long password",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a brand new long password")


def test_the_profile_saves_name_and_time_zone_and_refuses_nonsense(client):
    user = UserFactory()
    client.force_login(user)
    bad = client.post(reverse("accounts:profile"), {"display_name": "Zed", "time_zone": "Nowhere"})
    assert bad.status_code == 400
    user.refresh_from_db()
    assert user.display_name != "Zed"
    ok = client.post(
        reverse("accounts:profile"), {"display_name": "Zed", "time_zone": "Pacific/Chatham"}
    )
    assert ok.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.time_zone) == ("Zed", "Pacific/Chatham")


def test_following_the_verification_link_confirms_the_address(client):
    import re

    signup(client)
    link = re.search(r"http://[^/]+(/accounts/confirm-email/[^/\s]+/)", mail.outbox[0].body)
    assert link
    page = client.get(link.group(1))
    assert page.status_code == 200
    client.post(link.group(1))
    assert User.objects.get().has_verified_email


def test_a_password_reset_link_sets_a_new_password(client):
    import re

    user = UserFactory(email="bo@example.com")
    client.post(reverse("account_reset_password"), {"email": "bo@example.com"})
    path = re.search(r"http://[^/]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    form_page = client.get(path.group(1), follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path.group(1)
    response = client.post(
        action, {"password1": "a fresh long password", "password2": "a fresh long password"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a fresh long password")


def test_the_account_page_links_to_the_email_settings(client):
    client.force_login(UserFactory())
    page = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("notifications:preferences") in page
