from django.urls import path

from . import plan_views, views, village_views

app_name = "assistance"
urlpatterns = [
    path("", views.forces, name="forces"),
    path("households/<int:pk>/", views.household, name="household"),
    path("households/<int:pk>/plan/", plan_views.plan_create, name="plan_create"),
    path("households/<int:pk>/visits/", plan_views.visit_add, name="visit_add"),
    path("households/<int:pk>/helpers/", plan_views.helpers_set, name="helpers"),
    path("households/pair/", plan_views.pair_many, name="pair_many"),
    path("households/<int:pk>/handbook.pdf", plan_views.handbook, name="handbook"),
    path("plans/<int:pk>/measures/", plan_views.measure_add, name="measure_add"),
    path("measures/<int:pk>/", plan_views.measure_progress, name="measure_progress"),
    path("visits/", village_views.visits, name="visits"),
    path("visits/<int:pk>/photo/", plan_views.visit_photo, name="visit_photo"),
    path("villages/<str:code>/", village_views.village, name="village"),
    path("villages/<str:code>/units/", village_views.village_pair, name="village_pair"),
    path("villages/<str:code>/team/", village_views.team_send, name="team_send"),
    path("villages/<str:code>/team/members/", village_views.team_member, name="team_member"),
    path("villages/<str:code>/supports/", village_views.support_add, name="support_add"),
    path("villages/<str:code>/form.pdf", village_views.village_form, name="village_form"),
    path("equity/", village_views.equity_page, name="equity"),
    path("matching/", views.proposals, name="proposals"),
    path("matching/<int:pk>/", views.proposal, name="proposal"),
    path("matching/<int:pk>/accept/", views.proposal_accept, name="proposal_accept"),
]
