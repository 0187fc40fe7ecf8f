"""The pain log, check-in, clearance and consent forms. The service checks the same rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from django import forms

from plans.forms import CalendarDateField
from symptoms.models import PainLog
from symptoms.services import CLEARANCE_NOTE_MAX_LENGTH, CLINICIAN_MAX_LENGTH, NOTE_MAX_LENGTH
from symptoms.triage import pain_band

PAIN_ERROR = "Choose a number from 0 (no pain) to 10 (the worst pain you can imagine)."

# Asked whatever the pain score: these matter even with no back pain at all.
WARNING_SIGN_FIELDS = (
    "radiating",
    "numbness_tingling",
    "leg_weakness",
    "bladder_bowel",
    "saddle_numbness",
)
# Only make sense when something hurt; out of the way at pain 0.
PAIN_DETAIL_FIELDS = ("sharp", "swelling", "spasms", "persists_at_rest")
RUN_DETAIL_FIELDS = ("eased_after_warmup", "altered_stride")

BAND_WORDS = {"none": "None", "mild": "Mild", "moderate": "Moderate", "severe": "Severe"}


@dataclass(frozen=True)
class PainBand:
    name: str  # none, mild, moderate, severe
    word: str
    options: list


class PainForm(forms.Form):
    """What every log asks: the pain score, the warning signs, where, and a note."""

    pain_legend = "How bad is the pain in your lower back right now?"

    pain = forms.TypedChoiceField(
        choices=[(str(n), f"{n}, {pain_band(n)}") for n in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": PAIN_ERROR, "invalid_choice": PAIN_ERROR},
    )
    radiating = forms.BooleanField(
        label="Pain spreading into your buttocks or down a leg", required=False
    )
    numbness_tingling = forms.BooleanField(
        label="Numbness or tingling, for example in a leg or foot", required=False
    )
    leg_weakness = forms.BooleanField(
        label="A leg that feels weak, unsteady or gives way", required=False
    )
    bladder_bowel = forms.BooleanField(
        label="Any change in controlling your bladder or bowels", required=False
    )
    saddle_numbness = forms.BooleanField(
        label="Numbness around your groin, bottom or inner thighs", required=False
    )
    where = forms.MultipleChoiceField(
        label="Where did it hurt? Tick all that apply.",
        choices=PainLog.Where.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Pick where it hurt from the list."},
    )
    sharp = forms.BooleanField(label="The pain was sharp or stabbing", required=False)
    swelling = forms.BooleanField(label="There is swelling in your lower back", required=False)
    spasms = forms.BooleanField(label="Your back muscles spasmed or locked up", required=False)
    persists_at_rest = forms.BooleanField(
        label="The pain does not ease when you rest, or gets worse as you move", required=False
    )
    note = forms.CharField(
        label="Anything else you want to note? (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"Keep the note to {NOTE_MAX_LENGTH} characters."},
    )

    def __init__(self, *args, **kwargs):
        # Own ids, so the form can sit in a page beside another form with a "note" field.
        kwargs.setdefault("auto_id", "pain_%s")
        super().__init__(*args, **kwargs)

    def pain_bands(self) -> list[PainBand]:
        """The pain radios grouped under their words: none, mild, moderate, severe."""
        groups: dict[str, list] = {}
        for option in self["pain"]:
            groups.setdefault(pain_band(int(option.data["value"])), []).append(option)
        return [PainBand(name, BAND_WORDS[name], options) for name, options in groups.items()]

    def warning_signs(self) -> list[forms.BoundField]:
        return [self[name] for name in WARNING_SIGN_FIELDS]

    def pain_details(self) -> list[forms.BoundField]:
        return [self[name] for name in PAIN_DETAIL_FIELDS if name in self.fields]

    def run_details(self) -> list[forms.BoundField]:
        return [self[name] for name in RUN_DETAIL_FIELDS if name in self.fields]

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("submission", None)
        return data


class RunPainForm(PainForm):
    """After a run: also whether warming up eased it, and whether it changed your stride."""

    pain_legend = "How bad was the pain in your lower back at its worst, during or after the run?"

    eased_after_warmup = forms.ChoiceField(
        label="Did the pain ease once you had warmed up?",
        choices=[("yes", "Yes, it eased"), ("no", "No, it did not ease"), ("unsure", "Not sure")],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Answer yes, no or not sure."},
    )
    altered_stride = forms.BooleanField(
        label="The pain changed how you ran (limping, shorter or uneven steps)", required=False
    )

    def clean_eased_after_warmup(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("eased_after_warmup"))


class CheckinForm(PainForm):
    """A check-in: no run questions; a fresh key so a double submission saves one log."""

    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"submission": uuid.uuid4()})
        super().__init__(*args, **kwargs)


class ClearanceForm(forms.Form):
    cleared_on = CalendarDateField(
        label="Date you were cleared to run",
        error_messages={"required": "Enter the date you were cleared."},
    )
    clinician = forms.CharField(
        label="Who cleared you",
        help_text="Their name or role, like “Dr Patel, GP” or “the physio at my clinic”.",
        max_length=CLINICIAN_MAX_LENGTH,
        error_messages={"required": "Say who cleared you to run."},
    )
    note = forms.CharField(
        label="Anything they said you should know (optional)",
        required=False,
        max_length=CLEARANCE_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cleared_on"].widget.attrs["max"] = today.isoformat()


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label="I agree that Walk-Run Coach stores my pain logs and that my coaches can see them",
        error_messages={"required": "Tick the box to agree, or go back to your plan."},
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)
