"""The review table's rows as HTML, each drawn once for what it shows.

Rendering fifty rows through the template engine cost more than the rest of the page put
together. A row's HTML depends on nothing but the row's own fields (AthleteRow: no request, no
signed-in user, no clock; the athlete's local date and idle days are fields) and the language.
A row is computed once for exactly those facts and then kept (coaching.review), so its HTML is
kept on it, per language, as its CSV line is per time zone. When anything a coach must see
changes (a red flag logged a second ago, a run done, a new day), the row is a new one, drawn
afresh. A release starts new processes, so a changed template never meets old HTML.
"""

from __future__ import annotations

from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from coaching.review import AthleteRow

ROW_TEMPLATE = "coaching/partials/review_row.html"


def rendered_rows(rows: list[AthleteRow]) -> SafeString:
    """The <tr> of each row, in order, as one piece of HTML: drawn now only for a row not
    drawn before."""
    key = ("html", get_language())
    drawn = []
    template = None
    for row in rows:
        html = row.drawn.get(key)
        if html is None:
            template = template or get_template(ROW_TEMPLATE)
            # Only HTML rendered from the template (which escapes) is ever kept here.
            html = row.drawn[key] = mark_safe(template.render({"r": row}))  # noqa: S308
        drawn.append(html)
    return mark_safe("\n".join(drawn))  # noqa: S308 - each piece is template output
