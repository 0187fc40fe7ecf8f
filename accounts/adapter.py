from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # Fill our own fields before the first save so the row is never half-made.
        data = form.cleaned_data
        user.display_name = data.get("display_name", "")
        user.role = data.get("role") or user.Role.ATHLETE
        user.time_zone = data.get("time_zone") or user.time_zone
        return super().save_user(request, user, form, commit=commit)

    def clean_email(self, email: str) -> str:
        return super().clean_email(email).strip().lower()
