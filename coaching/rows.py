"""The review table's rows as HTML, each rendered once for what it shows.

Rendering fifty rows through the template engine cost more than the rest of the page put
together. A row's HTML depends on nothing but the row's own fields (AthleteRow: no request, no
signed-in user, no clock; the athlete's local date and idle days are fields) and the language,
so it is kept in the process's memory (the "fragments" cache) under a digest of exactly those.

Nothing is ever invalidated, because nothing can go stale: whatever a coach must see at once (a
red flag logged a second ago, a run done, a new day) changes a field of the freshly read row,
hence its key, and the new row is rendered. Old entries simply age out. A release starts new
processes, so a changed template never meets HTML rendered by the old one.
"""

from __future__ import annotations

import dataclasses
import hashlib

from django.core.cache import caches
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from coaching.review import AthleteRow

ROW_TEMPLATE = "coaching/partials/review_row.html"
_FIELDS = tuple(f.name for f in dataclasses.fields(AthleteRow))


def row_key(row: AthleteRow) -> str:
    """A digest of every field of the row (so a field added later is covered too)."""
    values = [getattr(row, name) for name in _FIELDS]
    values = [sorted(v) if isinstance(v, set) else v for v in values]
    digest = hashlib.blake2b(repr((get_language(), values)).encode(), digest_size=16)
    return "review-row:" + digest.hexdigest()


def rendered_rows(rows: list[AthleteRow]) -> list[SafeString]:
    """The <tr> of each row, in order: from the cache when this exact row was drawn before."""
    cache = caches["fragments"]
    keys = [row_key(row) for row in rows]
    found = cache.get_many(keys)
    missing = {}
    template = None
    for key, row in zip(keys, rows, strict=True):
        if key not in found:
            template = template or get_template(ROW_TEMPLATE)
            found[key] = missing[key] = template.render({"r": row})
    if missing:
        cache.set_many(missing)
    # Only HTML this module rendered from the template is ever stored under these keys.
    return [mark_safe(found[key]) for key in keys]  # noqa: S308
