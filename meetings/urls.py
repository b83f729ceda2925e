from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("series/new/", views.series_create, name="series_create"),
    path("series/<int:series_pk>/new/", views.meeting_create, name="meeting_create"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("<int:pk>/state/", views.meeting_state, name="meeting_state"),
    path("<int:pk>/minutes/", views.minutes_save, name="minutes_save"),
    path("<int:pk>/minutes.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("<int:pk>/agenda/assemble/", views.agenda_assemble, name="agenda_assemble"),
    path("<int:pk>/agenda/add/", views.agenda_add, name="agenda_add"),
    path("<int:pk>/sections/add/", views.section_add, name="section_add"),
    path("<int:pk>/packet/", views.packet_build, name="packet_build"),
    path("items/<int:pk>/remove/", views.item_remove, name="item_remove"),
    path("items/<int:pk>/move/", views.item_move, name="item_move"),
    path("items/<int:pk>/decisions/", views.decision_add, name="decision_add"),
    path("decisions/", views.decision_list, name="decision_list"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/progress/", views.decision_progress, name="decision_progress"),
    path("decisions/<int:pk>/done/", views.decision_done, name="decision_done"),
    path("decisions/<int:pk>/exempt/", views.decision_exempt, name="decision_exempt"),
    path("decisions/<int:pk>/rectify/", views.decision_rectify, name="decision_rectify"),
    path("packets/<int:pk>/", views.packet_download, name="packet_download"),
]
