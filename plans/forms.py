from __future__ import annotations

from datetime import date

from django import forms

from plans import schedule
from plans.services import MAX_ACTUAL_SECONDS, NOTE_MAX_LENGTH


class CalendarDateField(forms.DateField):
    """A date as a date picker sends it (2026-05-04), and only so.

    Django would also take 04/05/2026 and read it the American way, which for most of the
    world is the wrong day; a runner typing a date by hand gets asked for the clear form.
    """

    input_formats = ["%Y-%m-%d"]
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    default_error_messages = {"invalid": "Enter a date, like 2026-05-04."}


class StartPlanForm(forms.Form):
    """Start date, run days and cap. The same rules hold in the service and the database."""

    start_date = CalendarDateField(
        label="Start date",
        help_text="Your first run goes on the first of your run days from this date.",
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="Run days",
        choices=[(str(i), name) for i, name in enumerate(schedule.WEEKDAY_NAMES)],
        coerce=int,
        required=False,  # so that "none" gets the same clear message as "one"
        widget=forms.CheckboxSelectMultiple,
        help_text="Two to four days a week, ideally with a rest day between runs.",
        error_messages={"invalid_choice": "“%(value)s” is not a day of the week we know."},
    )
    back_to_back = forms.BooleanField(
        label="I know some of my days are in a row, and I want it that way",
        required=False,
    )
    cap_percent = forms.IntegerField(
        label="Largest weekly increase, in %",
        help_text=(
            "Your weekly running grows by at most this much. 10% is the usual limit; a lower "
            "number builds up more slowly."
        ),
        widget=forms.NumberInput(attrs={"min": 1, "max": 10, "step": 1, "inputmode": "numeric"}),
        error_messages={
            "required": "Enter a percentage from 1 to 10.",
            "invalid": "Enter a whole number from 1 to 10.",
        },
    )

    def __init__(self, *args, today: date, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "start_date": today,
                "weekdays": [str(d) for d in schedule.DEFAULT_RUN_DAYS],
                "cap_percent": 10,
            },
        )
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_start_date(self) -> date:
        try:
            return schedule.check_start_date(self.cleaned_data["start_date"], self.today)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_cap_percent(self) -> int:
        value = self.cleaned_data["cap_percent"]
        if value > 10:
            raise forms.ValidationError(
                "The weekly increase can be at most 10%: more than that raises the risk of injury."
            )
        if value < 1:
            raise forms.ValidationError("The weekly increase must be at least 1%.")
        return value

    def clean(self):
        cleaned = super().clean()
        if "weekdays" in cleaned:
            try:
                cleaned["weekdays"] = schedule.check_weekdays(
                    cleaned["weekdays"], allow_back_to_back=cleaned.get("back_to_back", False)
                )
            except ValueError as exc:
                self.add_error("weekdays", str(exc))
        return cleaned


class RunDoneForm(forms.Form):
    actual_minutes = forms.IntegerField(
        label="How many minutes did it take? (optional)",
        required=False,
        min_value=1,
        max_value=MAX_ACTUAL_SECONDS // 60,
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "min": 1, "max": 300, "data-actual-minutes": ""}
        ),
        error_messages={
            "invalid": "Enter whole minutes, like 35.",
            "min_value": "Enter at least 1 minute.",
            "max_value": "Enter at most 300 minutes (5 hours).",
        },
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="How it went, in a few words. Your coach can read it.",
    )

    @property
    def actual_seconds(self) -> int | None:
        minutes = self.cleaned_data.get("actual_minutes")
        return minutes * 60 if minutes else None
