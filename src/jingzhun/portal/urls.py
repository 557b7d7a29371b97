from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("r/<str:code>/", views.region, name="region"),
    path("p/<int:pk>/", views.publicity, name="publicity"),
    path("p/<int:pk>/print/", views.notice_print, name="print"),
    path("project/<int:pk>/", views.project_notice, name="project_notice"),
    path("funds/<int:pk>/", views.fund_notice, name="fund_notice"),
    path("county-exit/<int:pk>/", views.exit_notice, name="exit_notice"),
    path("objection/", views.lookup, name="lookup"),
    path("objection/<str:ref>/", views.objection_status, name="objection"),
    path("monitoring/", views.monitoring_report, name="monitoring_report"),
    path("monitoring/status/", views.monitoring_lookup, name="monitoring_lookup"),
    path("monitoring/status/<str:ref>/", views.monitoring_status, name="monitoring_status"),
]
