"""The group review page, the coach's main screen, and the group's CSV export.

The page's state (search, status filter, order, page) lives in the query string, so every view
of it can be bookmarked and works without JavaScript (a plain GET form). With htmx, changing
the filters or clicking a column asks for the "rows" fragment alone and pushes the new URL.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from coaching import status as st
from coaching.access import HtmxHttpRequest, coach_required, owned_group_or_404
from coaching.export import csv_lines
from coaching.forms import ReviewQueryForm
from coaching.review import SORT_LABELS, athlete_rows, count_by_status, search_rows, sort_rows
from coaching.rows import rendered_rows
from symptoms.models import PainDataRead
from symptoms.services import pain_data_reads_record

PER_PAGE = 50
COLUMNS = ("name", "week", "status", "adherence", "pain", "activity")


def query_string(state: dict[str, str], **changes: str | int) -> str:
    """The query string for `state` with `changes`, leaving out defaults."""
    merged = {**state, **changes}
    defaults = {"q": "", "status": "", "sort": "attention", "page": 1}
    return urlencode({k: v for k, v in merged.items() if v != defaults.get(k)})


@coach_required
@require_GET
def group_review(request: HtmxHttpRequest, group_id: int) -> HttpResponse:
    group = owned_group_or_404(request.user, group_id)
    form = ReviewQueryForm(request.GET)
    form.is_valid()
    state = form.state()
    problems = [str(e) for errors in form.errors.values() for e in errors]

    rows = athlete_rows([group.pk], now=timezone.now())
    counts = count_by_status(rows)
    shown = search_rows(rows, state["q"])
    if state["status"]:
        shown = [r for r in shown if r.status == state["status"]]
    shown = sort_rows(shown, state["sort"])

    paginator = Paginator(shown, PER_PAGE)
    asked = request.GET.get("page", "1")
    page = paginator.get_page(asked)
    if asked != str(page.number) and asked != "":
        if asked.isdigit() and int(asked) > paginator.num_pages:
            problems.append(f"There is no page {int(asked)}: showing the last page, {page.number}.")
        else:
            problems.append(f"“{asked[:20]}” is not a page number: showing page {page.number}.")

    base = request.path
    columns = []
    for column in COLUMNS:
        current = state["sort"].lstrip("-") == column
        descending = state["sort"].startswith("-")
        next_sort = f"-{column}" if current and not descending else column
        columns.append(
            {
                "name": column,
                "label": SORT_LABELS[column],
                "href": f"{base}?{query_string(state, sort=next_sort)}",
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    context = {
        "group": group,
        "state": state,
        "problems": problems,
        "page": page,
        "rows": page.object_list,
        "rows_html": rendered_rows(page.object_list),
        "total": len(rows),
        "matching": len(shown),
        "status_options": [(s, st.LABELS[s], counts[s]) for s in st.STATUSES],
        "legend": [(st.LABELS[s], st.MEANINGS[s]) for s in st.STATUSES],
        "columns": columns,
        "sorted_by_attention": state["sort"].lstrip("-") == "attention",
        "attention_href": f"{base}?{query_string(state, sort='attention')}",
        "page_links": _page_links(base, state, page),
        "search_max": ReviewQueryForm.base_fields["q"].max_length,
    }
    _audit_read(request, page.object_list, PainDataRead.Page.GROUP_REVIEW)
    template = "coaching/review.html"
    fragment = request.htmx and not request.htmx.history_restore_request
    if fragment:
        template += "#rows"
    response = render(request, template, context, status=400 if form.errors else 200)
    if fragment:
        # The address bar gets the tidy form of the state (no empty or default values).
        canonical = query_string(state, page=page.number)
        push_url(response, f"{base}?{canonical}" if canonical else base)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _audit_read(request: HtmxHttpRequest, rows, page: str) -> None:
    """The rows show each athlete's last pain and its trend: the read is audited, athlete by
    athlete, for those shown who have logged any."""
    athlete_ids = [r.athlete_id for r in rows if r.logs_total]
    pain_data_reads_record(coach=request.user, athlete_ids=athlete_ids, page=page)


def _page_links(base: str, state: dict[str, str], page) -> dict[str, str]:
    links = {}
    if page.has_previous():
        links["previous"] = f"{base}?{query_string(state, page=page.previous_page_number())}"
        links["first"] = f"{base}?{query_string(state)}"
    if page.has_next():
        links["next"] = f"{base}?{query_string(state, page=page.next_page_number())}"
        links["last"] = f"{base}?{query_string(state, page=page.paginator.num_pages)}"
    return links


@coach_required
@require_GET
def group_export(request: HtmxHttpRequest, group_id: int) -> StreamingHttpResponse:
    group = owned_group_or_404(request.user, group_id)
    now = timezone.now()
    rows = sort_rows(athlete_rows([group.pk], now=now), "attention")
    _audit_read(request, rows, PainDataRead.Page.GROUP_EXPORT)
    name = slugify(group.name) or "group"
    lines = csv_lines(rows, zone=timezone.get_current_timezone())
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{timezone.localdate(now).isoformat()}.csv"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
