"""{% pain_log_for run %}: the pain log form for a run, ready to sit inside another page.

Renders what GET /runs/<id>/pain/ returns to htmx: the consent fragment before the first log,
the form, or the verdict once the run is logged. The form posts to its own URL and swaps
itself for the verdict (without JavaScript it posts and lands on the verdict page).
"""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.urls import reverse

from symptoms.forms import ConsentForm
from symptoms.models import PainLog
from symptoms.services import has_consent

register = template.Library()


@register.simple_tag(takes_context=True)
def pain_log_for(context, run) -> str:
    from symptoms.views import log_form_context, verdict_context

    request = context["request"]
    log = PainLog.objects.filter(run=run).select_related("run", "enrollment").first()
    if log is not None:
        name, data = "symptoms/verdict.html#verdict", verdict_context(log)
    elif not has_consent(request.user):
        form = ConsentForm(initial={"next": reverse("symptoms:log_for_run", args=[run.pk])})
        name, data = "symptoms/consent.html#consent-form", {"form": form}
    else:
        name, data = "symptoms/log_form.html#log-form", log_form_context(request, run)
    return render_to_string(name, data, request=request)
