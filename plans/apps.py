from __future__ import annotations

from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"

    def ready(self) -> None:
        from accounts.data_rights import register_exporter
        from plans.exports import user_export

        register_exporter("plans", user_export)
