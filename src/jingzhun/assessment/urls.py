from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.home, name="home"),
    path("samples/<int:pk>/", views.sample_detail, name="sample"),
    path("samples/<int:pk>/field-list/", views.field_list, name="field_list"),
]
