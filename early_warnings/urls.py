from django.urls import path

from . import views, views_ledger

app_name = "early_warnings"
urlpatterns = [
    # Problem ledger (工作台账) — views_ledger.py
    path("ledger/", views_ledger.ledger, name="ledger"),
    path("ledger/new/", views_ledger.problem_create, name="problem_create"),
    path("ledger/new/projects/", views_ledger.problem_project_search, name="problem_project_search"),
    path("ledger/<int:pk>/", views_ledger.problem_detail, name="problem_detail"),
    path("ledger/<int:pk>/edit/", views_ledger.problem_edit, name="problem_edit"),
    path("ledger/<int:pk>/update/", views_ledger.problem_add_update, name="problem_add_update"),
    path("ledger/<int:pk>/close/", views_ledger.problem_close, name="problem_close"),
    # Warnings (红黄蓝预警) — views.py
    path("", views.board, name="board"),
    path("new/", views.warning_issue, name="warning_issue"),
    path("new/projects/", views.warning_project_search, name="warning_project_search"),
    path("<int:pk>/", views.warning_detail, name="warning_detail"),
    path("<int:pk>/measures/", views.warning_measures, name="warning_measures"),
    path("<int:pk>/resolve/", views.warning_resolve, name="warning_resolve"),
    path("supervision/", views.supervision, name="supervision"),
    path("settings/", views.settings_edit, name="settings"),
]
