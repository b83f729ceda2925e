from django.urls import path

from . import views, views_excel

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("new/", views.project_create_view, name="project_create"),
    path("<int:pk>/", views.project_detail, name="project_detail"),
    path("<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("<int:pk>/history/", views.project_history_view, name="project_history"),
    path("<int:pk>/plans/<int:year>/", views.year_plan_edit, name="year_plan_edit"),
    path("<int:pk>/lists/add/", views.list_add_view, name="list_add"),
    path("lists/entries/<int:entry_pk>/remove/", views.list_remove_view, name="list_remove"),
    path("lists/entries/<int:entry_pk>/comprehensive/", views.reserve_comprehensive_view, name="reserve_comprehensive"),
    path("lists/annual/", views.annual_list, name="annual_list"),
    path("lists/reserve/", views.reserve, name="reserve"),
    path("lists/adjustments/", views.adjustments, name="adjustments"),
    path("export/planning.xlsx", views_excel.export_inventory, name="export_inventory"),
    path("import/", views_excel.import_projects, name="import_projects"),
]
