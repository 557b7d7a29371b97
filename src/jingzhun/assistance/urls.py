from django.urls import path

from . import views

app_name = "assistance"
urlpatterns = [
    path("", views.forces, name="forces"),
    path("households/<int:pk>/", views.household, name="household"),
    path("matching/", views.proposals, name="proposals"),
    path("matching/<int:pk>/", views.proposal, name="proposal"),
    path("matching/<int:pk>/accept/", views.proposal_accept, name="proposal_accept"),
]
