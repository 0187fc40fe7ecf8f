from __future__ import annotations

from django.contrib import admin, messages

from notifications.delivery import outbox_retry
from notifications.models import NotificationPreference, OutboxMessage
from notifications.services import enqueue_on_commit


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = [
        "dedupe_key",
        "recipient",
        "kind",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "kind", "suppressed_reason"]
    search_fields = ["dedupe_key", "recipient__email", "to_email", "message_id"]
    raw_id_fields = ["recipient"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    # The outbox is a record of what was sent: read it, do not edit it.
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Send the selected failed messages again")
    def send_again(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        retried = outbox_retry(ids)
        enqueue_on_commit(ids)
        self.message_user(request, f"{retried} message(s) queued again.", messages.SUCCESS)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "reminder_time", "run_reminder", "coach_digest", "updated_at"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
