from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard_page, name="dashboard"),
    path("refresh/", views.refresh, name="refresh"),
]
