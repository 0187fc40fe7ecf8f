from __future__ import annotations

from django import forms

from notifications.models import ATHLETE_KINDS, COACH_KINDS, Kind

HELP = {
    Kind.RUN_REMINDER: "On days a run is planned, at your reminder time.",
    Kind.CHECKIN_INVITE: "The morning after a run: how does your back feel now?",
    Kind.MISSED_RUN_NUDGE: "The morning after a planned run you did not mark as done.",
    Kind.PAUSE_OVER: "When the rest after a pause is over and it is time to check in.",
    Kind.COACH_DIGEST: "Monday morning: who is on track, holding, paused or waiting for "
    "clearance, and how many runs each has done.",
}

BAD_TIME = "Enter a time of day as hours and minutes, from 00:00 to 23:59 (for example 07:30)."


class PreferencesForm(forms.Form):
    """On/off for each kind that concerns this person, and (for athletes) the reminder time."""

    reminder_time = forms.TimeField(
        label="Reminder time",
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time", "step": 60}, format="%H:%M"),
        error_messages={"required": BAD_TIME, "invalid": BAD_TIME},
    )

    def __init__(self, *args, is_coach: bool, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = COACH_KINDS if is_coach else ATHLETE_KINDS
        for kind in self.kinds:
            self.fields[kind] = forms.BooleanField(
                label=Kind(kind).label, help_text=HELP[kind], required=False
            )
        if is_coach:
            del self.fields["reminder_time"]
        else:
            self.fields[
                "reminder_time"
            ].help_text = f"Run-day reminders arrive at this time, in your time zone ({time_zone})."
            self.order_fields([*self.kinds, "reminder_time"])

    def choices(self) -> dict[str, bool]:
        return {kind: self.cleaned_data[kind] for kind in self.kinds}
