from __future__ import annotations

from functools import cache

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.models import TrainingGroup, User
from accounts.services import InviteNotValid, invite_find_live
from accounts.timezones import DEFAULT_TIME_ZONE, time_zone_choices, validate_time_zone

INVITE_NOT_VALID = (
    "This invite link is not valid any more: it may have been replaced or revoked. "
    "Ask your coach for a new link, or sign up without one and join later."
)


@cache
def _zone_options() -> tuple[tuple[str, str, str], ...]:
    """Each zone's <option>, plain and selected, escaped once per process."""
    return tuple(
        (
            value,
            format_html('<option value="{}">{}</option>', value, label),
            format_html('<option value="{}" selected>{}</option>', value, label),
        )
        for value, label in time_zone_choices()
    )


class TimeZoneSelect(forms.Select):
    """The time-zone picker, its options written straight out.

    Through the template engine, one template per option, the 600 or so zones made the sign-up
    and profile pages take 80 times as long as a plain page.
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        final = self.build_attrs(self.attrs, attrs)
        options = "".join(
            selected if zone in chosen else plain for zone, plain, selected in _zone_options()
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(final), mark_safe(options)
        )


class TimeZoneField(forms.ChoiceField):
    widget = TimeZoneSelect

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Time zone")
        kwargs.setdefault(
            "help_text", "Reminders arrive at your local time. We guess it from your browser."
        )
        super().__init__(choices=time_zone_choices, **kwargs)

    def validate(self, value):
        # A clear message instead of Django's generic "not one of the available choices".
        validate_time_zone(value)


class SignupDetailsForm(forms.Form):
    """The fields allauth's sign-up form adds to email and password."""

    display_name = forms.CharField(
        label="Your name",
        max_length=80,
        help_text="What your coach and the app call you.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    role = forms.ChoiceField(
        label="I am joining as",
        choices=User.Role.choices,
        initial=User.Role.ATHLETE,
        widget=forms.RadioSelect,
    )
    time_zone = TimeZoneField(
        initial=DEFAULT_TIME_ZONE, widget=TimeZoneSelect(attrs={"data-guess-time-zone": "1"})
    )
    invite = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["display_name", "email", "password1", "password2", "role", "time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        token = self.data.get("invite") if self.is_bound else self.initial.get("invite")
        self.invite_group: TrainingGroup | None = None
        if token:
            try:
                self.invite_group = invite_find_live(token).group
            except InviteNotValid:
                self.invite_group = None

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError("Please tell us what to call you.")
        return name

    def clean_invite(self) -> str:
        token = (self.cleaned_data.get("invite") or "").strip()
        if token:
            try:
                invite_find_live(token)
            except InviteNotValid:
                raise forms.ValidationError(INVITE_NOT_VALID) from None
        return token

    def signup(self, request, user: User) -> None:
        """Called by allauth once the user row exists: join the invited group."""
        from accounts.services import membership_join

        token = self.cleaned_data.get("invite")
        if token:
            try:
                membership_join(athlete=user, token=token)
            except InviteNotValid:
                # Revoked between the form check and now: the account stands, the join does not.
                from django.contrib import messages

                messages.warning(request, INVITE_NOT_VALID)


class ProfileForm(forms.ModelForm):
    time_zone = TimeZoneField()

    class Meta:
        model = User
        fields = ["display_name", "time_zone"]
        labels = {"display_name": "Your name"}

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError("Please tell us what to call you.")
        return name


class GroupForm(forms.ModelForm):
    class Meta:
        model = TrainingGroup
        fields = ["name"]
        labels = {"name": "Group name"}
        help_texts = {"name": "For example “Tuesday beginners” or “Couch to 5K, spring”."}

    def __init__(self, *args, coach: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.coach = coach

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Please give the group a name.")
        clash = TrainingGroup.objects.filter(
            coach=self.coach, name__iexact=name, archived_at=None
        ).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("You already have a group with this name.")
        return name


class JoinForm(forms.Form):
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
