"""The group review page: filter, search, sort, pages, htmx fragments, bad input, and a query
count that stays the same for 5, 50 and 500 athletes."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tests.coaching.conftest import crowd, do_runs, later, log, member
from tests.factories import CoachFactory, GroupFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def review_url(group, **params) -> str:
    from urllib.parse import urlencode

    url = reverse("coaching:group_review", args=[group.pk])
    return f"{url}?{urlencode(params)}" if params else url


def names(html: str) -> list[str]:
    return re.findall(r'<th scope="row" data-label="Athlete"><a href="[^"]+">([^<]+)</a>', html)


@pytest.fixture
def signed_in(client, group):
    client.force_login(group.coach)
    return client


@pytest.fixture
def mixed(clock, group):
    for status, name in [
        ("on_track", "Olu Track"),
        ("holding", "Hal Ding"),
        ("rolled_back", "Rob Back"),
        ("paused", "Pat Used"),
        ("needs_clinician", "Nia Clin"),
        ("urgent", "Uma Gent"),
        ("finished", "Fin Ished"),
        ("not_started", "Nat Started"),
    ]:
        member(group, status, name=name)
    return group


def test_red_flags_come_first_then_by_need_of_attention(signed_in, mixed):
    page = signed_in.get(review_url(mixed)).content.decode()
    assert names(page) == [
        "Uma Gent",
        "Nia Clin",
        "Pat Used",
        "Rob Back",
        "Hal Ding",
        "Olu Track",
        "Nat Started",
        "Fin Ished",
    ]
    assert "is-red-flag" in page
    assert "Showing all 8 athletes" in page


def test_it_filters_by_status_and_searches_by_name(signed_in, mixed):
    page = signed_in.get(review_url(mixed, status="paused")).content.decode()
    assert names(page) == ["Pat Used"]
    assert "1 of 8 athletes match" in page
    assert '<option value="paused" selected>Paused (1)</option>' in page
    page = signed_in.get(review_url(mixed, q="  NIA ")).content.decode()
    assert names(page) == ["Nia Clin"]
    page = signed_in.get(review_url(mixed, q="nobody", status="urgent")).content.decode()
    assert names(page) == []
    assert "Nobody matches" in page


def test_it_sorts_by_each_column_both_ways(signed_in, mixed):
    page = signed_in.get(review_url(mixed, sort="name")).content.decode()
    assert names(page)[:2] == ["Fin Ished", "Hal Ding"]
    assert 'aria-sort="ascending"' in page
    # The heading now offers the other direction, keeping the other filters.
    assert f'href="{review_url(mixed, sort="-name")}"' in page
    page = signed_in.get(review_url(mixed, sort="-name")).content.decode()
    assert names(page)[0] == "Uma Gent"
    assert 'aria-sort="descending"' in page
    for column in ["week", "status", "adherence", "pain", "activity"]:
        for sort in [column, f"-{column}"]:
            response = signed_in.get(review_url(mixed, sort=sort, status="", q=""))
            assert response.status_code == 200, sort
            assert len(names(response.content.decode())) == 8


def test_htmx_gets_the_rows_fragment_alone_and_the_state_stays_in_the_url(signed_in, mixed):
    response = signed_in.get(review_url(mixed, status="holding", sort="-name"), **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and "review-filters" in page  # the sort field belongs to the form
    assert names(page) == ["Hal Ding"]
    assert '<input type="hidden" name="sort" value="-name" form="review-filters">' in page
    assert "HX-Request" in response["Vary"]
    full = signed_in.get(review_url(mixed, status="holding")).content.decode()
    assert "<html" in full
    # Without JavaScript the same form is a plain GET; with htmx it swaps and pushes the URL.
    assert 'method="get"' in full and 'hx-push-url="true"' in full
    assert 'hx-target="#review-results"' in full


def test_a_history_restore_gets_the_whole_page(signed_in, mixed):
    response = signed_in.get(
        review_url(mixed), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def test_the_row_shows_week_adherence_pain_and_activity(signed_in, mixed):
    page = signed_in.get(review_url(mixed, q="Olu")).content.decode()
    assert "Week 1, run 2" in page
    assert '<meter min="0" max="1" value="1" aria-label="1 of 1 runs done"></meter>' in page
    assert 'aria-label="Recent pain, oldest first: 0"' in page
    assert "today" in page
    assert "style=" not in page  # strict CSP: no inline styles


# --- Bad input ---------------------------------------------------------------------------------


def test_an_unknown_status_says_so_and_shows_everyone(signed_in, mixed):
    response = signed_in.get(review_url(mixed, status="<b>sleepy</b>"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is no status called “&lt;b&gt;sleepy&lt;/b&gt;”: showing everyone." in page
    assert len(names(page)) == 8


def test_an_unknown_order_falls_back_to_attention(signed_in, mixed):
    response = signed_in.get(review_url(mixed, sort="shoe_size"))
    assert response.status_code == 400
    assert "Unknown order" in response.content.decode()
    assert names(response.content.decode())[0] == "Uma Gent"


def test_a_huge_search_is_refused_with_a_message(signed_in, mixed):
    response = signed_in.get(review_url(mixed, q="a" * 10_000))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Search for at most 100 characters of a name." in page
    assert len(names(page)) == 8
    assert "a" * 101 not in page


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("99", "There is no page 99: showing the last page, 2."),
        ("0", "“0” is not a page number: showing page 2."),
        ("abc", "“abc” is not a page number: showing page 1."),
        ("-1", "“-1” is not a page number: showing page 2."),
        ("9" * 40, f"There is no page {'9' * 40}: showing the last page, 2."),
    ],
)
def test_a_page_past_the_end_shows_the_last_page_with_a_message(client, asked, message):
    group = GroupFactory()
    crowd(group, 60, timezone.now())
    client.force_login(group.coach)
    response = client.get(review_url(group, page=asked))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert len(names(page)) == (10 if "page 2" in message or "page, 2" in message else 50)


def test_pages_keep_the_filters_in_their_links(client):
    group = GroupFactory()
    crowd(group, 120, timezone.now())
    client.force_login(group.coach)
    page = client.get(review_url(group, q="crowd", sort="name")).content.decode()
    assert "page 1 of 3" in page
    assert f'href="{escape(review_url(group, q="crowd", sort="name", page=2))}"' in page
    page = client.get(review_url(group, q="crowd", sort="name", page=3)).content.decode()
    assert names(page)[-1] == "Crowd 119"
    assert len(names(page)) == 20


def test_an_empty_group_invites_the_coach_to_share_the_link(signed_in, group):
    page = signed_in.get(review_url(group)).content.decode()
    assert "Nobody has joined yet" in page


# --- Query budget ------------------------------------------------------------------------------

# session, coach, the group, the nav's "has the coach a plan?", then athlete_rows' six
# (memberships, join dates, plans, runs to come, recent pain logs, pain log totals; only the
# first is needed for rows kept from an earlier view), and the audit of the pain data read
# (the reads of the last hour, one insert for the page's rows).
REVIEW_BUDGET = 12
KEPT_ROWS_SAVE = 5  # the queries a second view saves, its rows kept from the first
# session, coach, the group, then athlete_rows' six, and the audit's two.
EXPORT_BUDGET = 11


@pytest.mark.parametrize("size", [5, 50, 500])
def test_the_review_page_costs_the_same_queries_for_5_50_and_500(
    client, size, django_assert_num_queries, django_assert_max_num_queries
):
    group = GroupFactory(coach=CoachFactory())
    crowd(group, size, timezone.now())
    client.force_login(group.coach)
    with django_assert_num_queries(REVIEW_BUDGET):
        assert client.get(review_url(group)).status_code == 200
    # A filter that may match nobody (no row shown: no audit insert); the rows are kept.
    with django_assert_max_num_queries(REVIEW_BUDGET - KEPT_ROWS_SAVE):
        response = client.get(review_url(group, status="urgent", sort="-pain", q="crowd"))
    assert response.status_code == 200
    # The fragment has no nav (its rows may have been read within the hour: no audit insert).
    with django_assert_max_num_queries(REVIEW_BUDGET - KEPT_ROWS_SAVE - 1):
        assert client.get(review_url(group, page=2), **HTMX).status_code == 200


@pytest.mark.parametrize("size", [5, 50, 500])
def test_the_export_costs_the_same_queries_for_5_50_and_500(
    client, size, django_assert_num_queries
):
    group = GroupFactory(coach=CoachFactory())
    crowd(group, size, timezone.now())
    client.force_login(group.coach)
    # SQLite takes at most 999 parameters in a statement, so there Django writes the audit's
    # 500 rows in three inserts; PostgreSQL has no such limit.
    split = connection.vendor == "sqlite" and size == 500
    with django_assert_num_queries(EXPORT_BUDGET + (2 if split else 0)):
        response = client.get(reverse("coaching:group_export", args=[group.pk]))
        lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == size + 2  # header, athletes, totals


# session, coach, active groups, archived groups, the nav's check, athlete_rows' six, invites.
HOME_BUDGET = 12


@pytest.mark.parametrize("size", [5, 50, 500])
def test_the_coach_home_costs_the_same_queries_for_5_50_and_500(
    client, size, django_assert_num_queries
):
    coach = CoachFactory()
    crowd(GroupFactory(coach=coach), size, timezone.now())
    crowd(GroupFactory(coach=coach), 3, timezone.now())
    client.force_login(coach)
    with django_assert_num_queries(HOME_BUDGET):
        page = client.get(reverse("coaching:home")).content.decode()
    assert f"{size} athletes" in page and "3 athletes" in page


# --- Rendered rows are cached under what they show ----------------------------------------------


def _row_of(page: str, name: str) -> str:
    match = re.search(
        rf'<tr class="[^"]*">\s*<th scope="row"[^>]*><a [^>]*>{name}</a>.*?</tr>', page, re.S
    )
    assert match, f"no row for {name}"
    return match.group(0)


def test_a_red_flag_shows_on_the_next_view_of_the_page(signed_in, clock, group):
    athlete = member(group, "on_track", name="Ria Flag")
    page = signed_in.get(review_url(group)).content.decode()
    assert "On track" in _row_of(page, "Ria Flag")
    again = signed_in.get(review_url(group)).content.decode()  # the row from the cache
    assert _row_of(again, "Ria Flag") == _row_of(page, "Ria Flag")

    plan = athlete.enrollments.get()
    (run,) = do_runs(plan, 1)
    log(run, pain=2, bladder_bowel=True)

    row = _row_of(signed_in.get(review_url(group)).content.decode(), "Ria Flag")
    assert "is-red-flag" in row and "Urgent" in row and "2<small>/10</small>" in row
    htmx_row = _row_of(signed_in.get(review_url(group), **HTMX).content.decode(), "Ria Flag")
    assert htmx_row == row


def test_a_cached_row_follows_the_days_passing(signed_in, clock, group):
    member(group, "on_track", name="Day Counter")
    assert "today" in _row_of(signed_in.get(review_url(group)).content.decode(), "Day Counter")
    later(clock, days=3)  # Thursday: Wednesday's run was not done
    row = _row_of(signed_in.get(review_url(group)).content.decode(), "Day Counter")
    assert "3 days ago" in row and "1 missed run" in row
