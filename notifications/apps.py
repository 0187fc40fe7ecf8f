from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from accounts.data_rights import register_exporter
        from notifications.exports import user_export

        register_exporter("notifications", user_export)
