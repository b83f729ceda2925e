from django.urls import path

from . import views

app_name = "auditlog"
urlpatterns = [
    path("", views.change_log, name="log"),
    path("export/", views.change_log_export, name="log_export"),
    path("record/<str:kind>/<int:object_id>/", views.record_history, name="record"),
    path("project/<int:pk>/as-of/", views.project_state, name="project_as_of"),
    path("verify/", views.verification, name="verification"),
]
