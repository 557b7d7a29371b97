from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_new, name="new"),
    path("export/", views.export, name="export"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/act/<str:action>/", views.project_act, name="act"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="objection_resolve"),
    path("steps/<int:pk>/attachment/", views.step_attachment, name="attachment"),
    path("policy/", views.policy_page, name="policy"),
    path("revisions/", views.revision_list, name="revisions"),
    path("revisions/<int:pk>/", views.revision_detail, name="revision"),
    path("revisions/<int:pk>/act/<str:action>/", views.revision_act, name="revision_act"),
    path("assets/", views.asset_list, name="assets"),
    path("assets/<int:pk>/", views.asset_detail, name="asset"),
]
