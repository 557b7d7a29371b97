from django.urls import path

from . import views

app_name = "quality"
urlpatterns = [
    path("", views.home, name="home"),
    path("run/", views.run_new, name="run_new"),
    path("file/", views.file_new, name="file_new"),
    path("runs/<int:pk>/rules/<str:rule>/", views.rule_rows, name="rows"),
    path("runs/<int:pk>/workbook/", views.workbook, name="workbook"),
]
