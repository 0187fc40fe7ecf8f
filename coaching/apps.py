from __future__ import annotations

from django.apps import AppConfig


class CoachingConfig(AppConfig):
    name = "coaching"

    def ready(self) -> None:
        from accounts.data_rights import register_exporter
        from coaching.digest import KIND, coach_digests
        from coaching.exports import user_export
        from plans.reminders import register_selector

        register_selector(KIND, coach_digests)
        register_exporter("coaching", user_export)
