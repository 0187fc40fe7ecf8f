from __future__ import annotations

from django.apps import AppConfig


class SymptomsConfig(AppConfig):
    name = "symptoms"

    def ready(self) -> None:
        from accounts.data_rights import register_eraser, register_exporter
        from plans.hooks import register_undo_guard
        from plans.reminders import register_selector
        from symptoms.exports import erase_coach_alerts, user_export
        from symptoms.reminders import KIND, checkin_invitations

        register_undo_guard(logged_run_stays_done)
        register_selector(KIND, checkin_invitations)
        register_exporter("symptoms", user_export)
        register_eraser("symptoms.coach_alerts", erase_coach_alerts)


def logged_run_stays_done(run) -> str | None:
    """A run with a pain log happened: undoing it would leave the log about nothing."""
    from symptoms.models import PainLog

    if PainLog.objects.filter(run_id=run.pk).exists():
        return "You have logged pain for this run, so it stays done."
    return None
