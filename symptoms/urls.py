from __future__ import annotations

from django.urls import path

from symptoms import views, views_history

app_name = "symptoms"

urlpatterns = [
    path("runs/<int:run_id>/pain/", views.log_for_run, name="log_for_run"),
    path("pain/", views_history.history, name="history"),
    path("pain/<int:log_id>/", views.log_detail, name="log_detail"),
    path("pain/check-in/", views.checkin, name="checkin"),
    path("pain/clearance/", views.clearance, name="clearance"),
    path("pain/consent/", views.consent, name="consent"),
    path("pain/athletes/<int:athlete_id>/", views_history.athlete_history, name="athlete_history"),
    path("guides/", views_history.guides, name="guides"),
    path("guides/<slug:slug>/", views_history.guide, name="guide"),
]
