from __future__ import annotations

from django.urls import path

from accounts import views, views_data

app_name = "accounts"

urlpatterns = [
    path("account/profile/", views.profile, name="profile"),
    path("account/coaches/", views.my_groups, name="my_groups"),
    path("account/coaches/<int:group_id>/leave/", views.leave_group, name="leave_group"),
    path("account/data/", views_data.data, name="data"),
    path("account/data/download/", views_data.data_download, name="data_download"),
    path("account/data/delete/", views_data.data_delete, name="data_delete"),
    path("account/deleted/", views_data.data_deleted, name="data_deleted"),
    path("join/<str:token>/", views.join, name="join"),
]
