from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from accounts.views import login, signup
from config import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/signup/", signup, name="account_signup"),
    path("accounts/login/", login, name="account_login"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("plans.urls")),
    path("", include("symptoms.urls")),
    path("", include("coaching.urls")),
    path("", include("notifications.urls")),
    path("admin/", admin.site.urls),
]

# The 500 page; a database gone before the view ran gets the 503 page (config/middleware.py).
handler500 = "config.middleware.server_error"
