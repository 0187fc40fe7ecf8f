from __future__ import annotations

from datetime import date

from django import forms

from coaching import status as st
from coaching.models import NOTE_MAX_LENGTH
from coaching.review import SORT_LABELS, SORTS
from coaching.services import GROUP_NAME_MAX_LENGTH, REASON_MAX_LENGTH
from plans.forms import CalendarDateField

SEARCH_MAX_LENGTH = 100

REASON_REQUIRED = "Please write why you are making this change: the athlete sees it on their plan."


class GroupNameForm(forms.Form):
    name = forms.CharField(
        label="Group name",
        max_length=GROUP_NAME_MAX_LENGTH,
        help_text="For example “Tuesday beginners” or “Couch to 5K, spring”.",
        error_messages={
            "required": "Please give the group a name.",
            "max_length": f"Keep the name to {GROUP_NAME_MAX_LENGTH} characters.",
        },
    )


class ReviewQueryForm(forms.Form):
    """The review page's state, all in the query string so any view of it can be bookmarked."""

    q = forms.CharField(
        label="Search by name",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        error_messages={
            "max_length": f"Search for at most {SEARCH_MAX_LENGTH} characters of a name."
        },
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Everyone")] + [(s, st.LABELS[s]) for s in st.STATUSES],
        error_messages={
            "invalid_choice": "There is no status called “%(value)s”: showing everyone."
        },
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(s, SORT_LABELS[s]) for s in SORTS] + [(f"-{s}", SORT_LABELS[s]) for s in SORTS],
        error_messages={"invalid_choice": "Unknown order: showing who needs attention first."},
        widget=forms.HiddenInput,
    )

    def state(self) -> dict[str, str]:
        """The valid parts of the query (bad ones fall back to their defaults)."""
        data = {"q": "", "status": "", "sort": "attention"}
        for name in data:
            if name in self.errors:
                continue
            value = self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None
            if value:
                data[name] = value.strip() if name == "q" else value
        return data


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Note",
        max_length=NOTE_MAX_LENGTH,
        help_text="Only you see your notes. The athlete does not.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Write something in the note first.",
            "max_length": f"Keep a note to {NOTE_MAX_LENGTH} characters.",
        },
    )


def _reason_field(label: str = "Why") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=REASON_MAX_LENGTH,
        help_text="Required. The athlete sees it in their plan's history.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": REASON_REQUIRED,
            "max_length": f"Keep the reason to {REASON_MAX_LENGTH} characters.",
        },
    )


class MoveWeekForm(forms.Form):
    week = forms.TypedChoiceField(label="Put them on week", coerce=int)
    reason = _reason_field("Why (for the moved week)")

    def __init__(self, *args, furthest: int, current: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["week"].choices = [(w, f"Week {w}") for w in range(1, furthest + 1)]
        self.fields["week"].error_messages["invalid_choice"] = (
            f"Pick a week from 1 to {furthest}: no further than they have reached."
        )
        self.fields["week"].initial = current


class CancelHoldForm(forms.Form):
    reason = _reason_field("Why (for cancelling the hold)")


class CapForm(forms.Form):
    cap_percent = forms.TypedChoiceField(label="New weekly cap", coerce=int)
    reason = _reason_field("Why (for the lower cap)")

    def __init__(self, *args, current: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cap_percent"].choices = [
            (p, f"{p}% a week") for p in range(current - 1, 0, -1)
        ]
        self.fields["cap_percent"].error_messages["invalid_choice"] = (
            f"Pick a whole percentage below the current {current}%%: the cap only goes down "
            "during a plan."
        )


class CoachClearanceForm(forms.Form):
    cleared_on = CalendarDateField(
        label="Date the clinician cleared them",
        error_messages={"required": "Enter the date they were cleared."},
    )
    clinician = forms.CharField(
        label="Cleared by",
        max_length=120,
        help_text="The clinician's name or role, like “Dr Patel, GP”.",
        error_messages={"required": "Say who cleared them to run."},
    )
    note = forms.CharField(
        label="What the clinician said (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cleared_on"].widget.attrs["max"] = today.isoformat()
