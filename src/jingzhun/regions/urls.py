from django.urls import path

from . import views

app_name = "regions"
urlpatterns = [
    path("", views.browse, name="root"),
    path("pick/", views.pick, name="pick"),
    path("<str:code>/", views.browse, name="browse"),
]
