"""The group's CSV export: the review page's columns plus totals, streamed, formula-safe."""

from __future__ import annotations

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from coaching.export import HEADER, safe
from tests.coaching.conftest import member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 7700", "'+44 7700"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("Ann = fine", "Ann = fine"),
        ("", ""),
        (None, ""),
        (-3, -3),  # numbers stay numbers
        (7, 7),
    ],
)
def test_cells_that_look_like_formulas_stay_text(cell, expected):
    assert safe(cell) == expected


def read(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_it_exports_one_row_per_athlete_and_totals(client, clock, group):
    member(group, "on_track", name='=HYPERLINK("http://evil.example","Click")')
    member(group, "urgent", name='@Uma, "the" runner')
    member(group, "no_plan", name="-Nobody")
    client.force_login(group.coach)
    response = client.get(reverse("coaching:group_export", args=[group.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="monday-beginners-2026-05-04.csv"'
    )
    rows = read(response)
    assert rows[0] == HEADER
    by_name = {r[0]: dict(zip(HEADER, r, strict=True)) for r in rows[1:-1]}
    assert list(by_name) == [
        '\'@Uma, "the" runner',  # red flags first, as on the page
        '\'=HYPERLINK("http://evil.example","Click")',
        "'-Nobody",
    ]
    urgent = by_name['\'@Uma, "the" runner']
    assert (urgent["Status"], urgent["Last pain (0-10)"], urgent["Pain logs"]) == (
        "Urgent",
        "2",
        "1",
    )
    track = by_name['\'=HYPERLINK("http://evil.example","Click")']
    assert (track["Week"], track["Run"], track["Runs done"], track["Adherence %"]) == (
        "1",
        "2",
        "1",
        "100",
    )
    assert track["Last active"] == "2026-05-04"
    assert by_name["'-Nobody"]["Status"] == "Not started"
    totals = dict(zip(HEADER, rows[-1], strict=True))
    assert totals["Athlete"] == "Total: 3 athletes"
    assert (totals["Runs done"], totals["Runs scheduled so far"], totals["Pain logs"]) == (
        "2",
        "2",
        "2",
    )
    for row in rows[1:]:
        assert not any(cell[:1] in "=+-@\t\r" and cell for cell in row)


def test_last_active_is_the_athletes_own_date_as_the_days_since_are(client, clock, group):
    # Monday 08:00 UTC is still Sunday evening in Honolulu: the run was "today" for them.
    athlete = member(group, "on_track", name="Hana")
    athlete.time_zone = "Pacific/Honolulu"
    athlete.save()
    client.force_login(group.coach)
    rows = read(client.get(reverse("coaching:group_export", args=[group.pk])))
    hana = dict(zip(HEADER, rows[1], strict=True))
    assert (hana["Last active"], hana["Days since last activity"]) == ("2026-05-03", "0")


def test_an_empty_group_exports_a_header_and_zero_totals(client, group):
    client.force_login(group.coach)
    rows = read(client.get(reverse("coaching:group_export", args=[group.pk])))
    totals = dict(zip(HEADER, rows[1], strict=True))
    assert len(rows) == 2
    assert totals["Athlete"] == "Total: 0 athletes"
    assert (totals["Runs done"], totals["Adherence %"], totals["Pain logs"]) == ("0", "", "0")
