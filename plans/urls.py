from __future__ import annotations

from django.urls import path

from plans import views, views_calendar, views_timer

app_name = "plans"

urlpatterns = [
    path("today/", views.today, name="today"),
    path("plan/", views.plan, name="plan"),
    path("plan/start/", views.start, name="start"),
    path("plan/next-block/", views.extend, name="extend"),
    path("runs/<int:run_id>/done/", views.run_done, name="run_done"),
    path("runs/<int:run_id>/skip/", views.run_skip, name="run_skip"),
    path("runs/<int:run_id>/undo/", views.run_undo, name="run_undo"),
    path("runs/<int:run_id>/timer/", views_timer.run_timer, name="run_timer"),
    path("plan/calendar/", views_calendar.calendar, name="calendar"),
    path("plan/calendar/new/", views_calendar.calendar_issue, name="calendar_issue"),
    path("plan/calendar/stop/", views_calendar.calendar_revoke, name="calendar_revoke"),
    path("calendar/<str:token>.ics", views_calendar.calendar_feed, name="calendar_feed"),
]
