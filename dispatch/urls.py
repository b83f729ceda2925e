from django.urls import path

from . import views, views_excel, views_overview

app_name = "dispatch"
urlpatterns = [
    path("", views.month_home, name="home"),
    path("<int:year>/<int:month>/fill/", views.fill_month, name="fill_month"),
    path("<int:year>/<int:month>/submit/", views.submit_month, name="submit_month"),
    path("<int:year>/<int:month>/submit/<int:pk>/", views.submit_progress, name="submit_progress"),
    path("<int:year>/<int:month>/cards/<int:project_pk>/", views.card, name="card"),
    path("<int:year>/<int:month>/cards/<int:project_pk>/save/", views.card_save, name="card_save"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/photos/", views.photo_upload, name="photo_upload"),
    path("photos/<int:pk>/delete/", views.photo_delete_view, name="photo_delete"),
    path("photos/<int:pk>/<str:size>/", views.photo_file, name="photo_file"),
    path("reports/<int:pk>/review/", views.report_review, name="report_review"),
    path("reports/<int:pk>/verify/", views.report_verify, name="report_verify"),
    path("verifications/<int:pk>/record/", views.verification_record_view, name="verification_record"),
    path("<int:year>/<int:month>/review/", views.review_queue, name="review_queue"),
    path("<int:year>/<int:month>/overview/", views_overview.month_overview, name="month_overview"),
    path("projects/<int:pk>/months/", views_overview.project_months, name="project_months"),
    path("completeness/", views.completeness_grid, name="completeness"),
    path("periods/", views.period_list, name="periods"),
    path("periods/<int:year>/<int:month>/", views.period_edit, name="period_edit"),
    # Excel round trip and the official monthly tables (views_excel.py)
    path("<int:year>/<int:month>/workbook.xlsx", views_excel.unit_workbook_download, name="unit_workbook"),
    path("<int:year>/<int:month>/upload/", views_excel.unit_workbook_upload, name="unit_workbook_upload"),
    path("<int:year>/<int:month>/tables/", views_excel.official_tables, name="official_tables"),
]
