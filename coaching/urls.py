from __future__ import annotations

from django.urls import path

from coaching import views_athlete, views_home, views_review

app_name = "coaching"

urlpatterns = [
    path("coach/", views_home.home, name="home"),
    path("coach/groups/new/", views_home.group_create, name="group_create"),
    path("coach/groups/<int:group_id>/", views_review.group_review, name="group_review"),
    path("coach/groups/<int:group_id>/export.csv", views_review.group_export, name="group_export"),
    path("coach/groups/<int:group_id>/settings/", views_home.group_settings, name="group_settings"),
    path("coach/groups/<int:group_id>/rename/", views_home.group_rename, name="group_rename"),
    path("coach/groups/<int:group_id>/archive/", views_home.group_archive, name="group_archive"),
    path("coach/groups/<int:group_id>/restore/", views_home.group_restore, name="group_restore"),
    path(
        "coach/groups/<int:group_id>/invite/regenerate/",
        views_home.invite_regenerate,
        name="invite_regenerate",
    ),
    path(
        "coach/groups/<int:group_id>/invite/revoke/",
        views_home.invite_revoke,
        name="invite_revoke",
    ),
    path(
        "coach/groups/<int:group_id>/athletes/<int:athlete_id>/remove/",
        views_home.member_remove,
        name="member_remove",
    ),
    path("coach/athletes/<int:athlete_id>/", views_athlete.athlete, name="athlete"),
    path("coach/athletes/<int:athlete_id>/notes/", views_athlete.note_add, name="note_add"),
    path("coach/notes/<int:note_id>/edit/", views_athlete.note_edit, name="note_edit"),
    path("coach/notes/<int:note_id>/delete/", views_athlete.note_delete, name="note_delete"),
    path("coach/athletes/<int:athlete_id>/override/", views_athlete.override, name="override"),
    path("coach/athletes/<int:athlete_id>/cap/", views_athlete.cap, name="cap"),
    path("coach/athletes/<int:athlete_id>/clearance/", views_athlete.clearance, name="clearance"),
]
