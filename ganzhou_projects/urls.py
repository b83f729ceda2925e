from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="projects:project_list", permanent=False), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("exports/", include("exports.urls")),
    path("projects/", include("projects.urls")),
    path("reports/", include("dispatch.urls")),
    path("notifications/", include("notifications.urls")),
    path("warnings/", include("early_warnings.urls")),
    path("audit/", include("auditlog.urls")),
    path("assessment/", include("assessment.urls")),
    path("meetings/", include("meetings.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("funding/", include("funding.urls")),
]
