from django.urls import path

from . import member_views, target_views, views, year_views

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
    path("households/<int:pk>/members/<slug:change>/", member_views.member_change, name="member_change"),
    path("households/transfers/", member_views.transfer_list, name="transfer_list"),
    path("households/transfers/<int:pk>/", member_views.transfer_detail, name="transfer_detail"),
    path("households/transfers/<int:pk>/accept/", member_views.transfer_accept, name="transfer_accept"),
    path("households/transfers/<int:pk>/refuse/", member_views.transfer_refuse, name="transfer_refuse"),
    path("households/transfers/<int:pk>/cancel/", member_views.transfer_cancel, name="transfer_cancel"),
    path("households/split-reviews/", member_views.split_review_list, name="split_review_list"),
    path(
        "households/split-reviews/<int:pk>/clear/", member_views.split_review_clear, name="split_review_clear"
    ),
]
