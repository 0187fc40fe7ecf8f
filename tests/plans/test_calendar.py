from __future__ import annotations

from datetime import date

import icalendar
import pytest
import time_machine
from django.urls import reverse

from plans.feeds import calendar_feed_issue
from plans.models import CalendarFeed
from tests.factories import EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def events(response) -> list:
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    return [c for c in cal.walk("VEVENT")]


@time_machine.travel("2026-03-02 23:30:00+00:00", tick=False)  # Tuesday 12:30 in Auckland
def test_the_feed_lists_upcoming_runs_on_the_athletes_local_dates(client):
    athlete = UserFactory(time_zone="Pacific/Auckland")
    # Tue/Thu/Sat, starting on the athlete's local today (Tuesday 3 March there).
    EnrollmentFactory(athlete=athlete, weekdays=(1, 3, 5), start_date=date(2026, 3, 3))
    feed = calendar_feed_issue(athlete=athlete)
    response = client.get(reverse("plans:calendar_feed", args=[feed.token]))
    assert response.status_code == 200
    found = events(response)
    days = [e.decoded("dtstart") for e in found]
    assert days[:4] == [date(2026, 3, 3), date(2026, 3, 5), date(2026, 3, 7), date(2026, 3, 10)]
    assert str(found[0]["summary"]) == "Walk-run: week 1, run 1"
    assert "5 x (1 min jog + 2 min walk)" in str(found[0]["description"])
    assert str(found[3]["summary"]) == "Walk-run: week 2, run 1"
    assert len({str(e["uid"]) for e in found}) == len(found)


def test_uids_stay_put_when_the_next_week_opens(client):
    athlete = UserFactory()
    enrollment = EnrollmentFactory(athlete=athlete)
    feed = calendar_feed_issue(athlete=athlete)
    url = reverse("plans:calendar_feed", args=[feed.token])
    before = {str(e["summary"]): str(e["uid"]) for e in events(client.get(url))}
    from plans.services import run_complete

    for run in enrollment.runs.order_by("sequence")[:3]:
        run_complete(run=run, by=athlete)
    after = {str(e["summary"]): str(e["uid"]) for e in events(client.get(url))}
    assert after["Walk-run: week 2, run 1"] == before["Walk-run: week 2, run 1"]


def test_a_wrong_or_revoked_token_gets_404(client):
    athlete = UserFactory()
    EnrollmentFactory(athlete=athlete)
    old = calendar_feed_issue(athlete=athlete)
    new = calendar_feed_issue(athlete=athlete)
    assert client.get(reverse("plans:calendar_feed", args=[old.token])).status_code == 404
    assert client.get(reverse("plans:calendar_feed", args=["nope"])).status_code == 404
    assert client.get(reverse("plans:calendar_feed", args=[new.token])).status_code == 200
    client.force_login(athlete)
    client.post(reverse("plans:calendar_revoke"))
    assert client.get(reverse("plans:calendar_feed", args=[new.token])).status_code == 404


def test_an_athlete_without_a_plan_gets_an_empty_but_valid_feed(client):
    feed = calendar_feed_issue(athlete=UserFactory())
    assert events(client.get(reverse("plans:calendar_feed", args=[feed.token]))) == []


def test_the_calendar_page_issues_replaces_and_stops_the_address(client):
    athlete = UserFactory()
    client.force_login(athlete)
    page = client.get(reverse("plans:calendar"))
    assert "Create my calendar address" in page.content.decode()
    client.post(reverse("plans:calendar_issue"))
    first = CalendarFeed.objects.get(revoked_at=None)
    page = client.get(reverse("plans:calendar")).content.decode()
    assert f"/calendar/{first.token}.ics" in page
    assert "webcal://" in page
    client.post(reverse("plans:calendar_issue"))
    assert CalendarFeed.objects.filter(revoked_at=None).exclude(pk=first.pk).count() == 1
    client.post(reverse("plans:calendar_revoke"))
    assert not CalendarFeed.objects.filter(revoked_at=None).exists()


def test_the_calendar_page_needs_a_login(client):
    assert client.get(reverse("plans:calendar")).status_code == 302
    assert (
        client.post(reverse("plans:calendar_issue")).status_code == 403
    )  # a post without a session: refused, not redirected
    assert not CalendarFeed.objects.exists()
