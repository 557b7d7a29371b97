from django.urls import path

from . import target_views, views, year_views

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/cancel/", views.household_cancel, name="household_cancel"),
    path("households/<int:pk>/reveal/", views.household_reveal, name="household_reveal"),
    path("targets/", target_views.target_set, name="target_set"),
    path("years/<str:code>/<int:year>/", year_views.year_page, name="year_page"),
    path("years/<str:code>/<int:year>/<str:action>/", year_views.year_act, name="year_act"),
]
