from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.centre, name="centre"),
    path("read/", views.mark_read, name="mark_read"),
    path("<int:pk>/open/", views.open_notice, name="open"),
    path("sent/", views.sent_log, name="sent_log"),
]
