from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.index, name="index"),
    path("scheme/", views.scheme, name="scheme"),
    path("<int:year>/q<int:quarter>/<str:group>/", views.quarter, name="quarter"),
    path("<int:year>/q<int:quarter>/<str:group>/publish/", views.publish, name="quarter_publish"),
    path("<int:year>/q<int:quarter>/<str:group>/export/", views.export, name="quarter_export"),
    path("<int:year>/year/<str:group>/", views.year_end, name="year_end"),
    path("<int:year>/year/<str:group>/publish/", views.publish, name="year_end_publish"),
    path("<int:year>/year/<str:group>/export/", views.export, name="year_end_export"),
    path("<int:year>/year/<str:group>/adjustments/", views.adjustment_add, name="adjustment_add"),
    path("adjustments/<int:pk>/withdraw/", views.adjustment_withdraw, name="adjustment_withdraw"),
]
