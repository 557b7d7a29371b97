from django.urls import path

from . import campaign_views, views, village_views

app_name = "identification"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("apply/<int:household_pk>/", views.application_create, name="apply"),
    path("exit/<int:household_pk>/", views.application_create, {"kind": "exit"}, name="exit_apply"),
    path("return/<int:household_pk>/", views.application_create, {"kind": "return"}, name="return_apply"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/<str:kind>/", views.application_step, name="step"),
    path("steps/<int:pk>/attachment/", views.step_attachment, name="attachment"),
    path("publicity/", views.publicity_list, name="publicity_list"),
    path("publicity/new/", views.publicity_new, name="publicity_new"),
    path("publicity/<int:pk>/", views.publicity_detail, name="publicity_detail"),
    path("publicity/<int:pk>/close/", views.publicity_close, name="publicity_close"),
    path("publicity/<int:pk>/withdraw/<int:entry_pk>/", views.publicity_withdraw, name="publicity_withdraw"),
    path("publicity/<int:pk>/objection/", views.objection_create, name="objection_create"),
    path("objections/", views.objection_list, name="objections"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="objection_resolve"),
    path("overdue/", views.overdue, name="overdue"),
    path("policy/", views.policy, name="policy"),
    path("crosscheck/", views.crosscheck_page, name="crosscheck"),
    path("quotas/", views.quota_page, name="quotas"),
    path("crosscheck/<int:pk>/explain/", views.flag_explain, name="flag_explain"),
    path("campaigns/", campaign_views.campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", campaign_views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/close/", campaign_views.campaign_close, name="campaign_close"),
    path("campaigns/<int:pk>/export/", campaign_views.campaign_export, name="campaign_export"),
    path("campaigns/checks/<int:pk>/", campaign_views.check_record, name="check"),
    path("villages/", village_views.village_list_home, name="villages_home"),
    path("policy/villages/", village_views.village_policy, name="village_policy"),
    path("villages/<str:code>/", village_views.village_list, name="villages"),
    path("villages/<str:code>/act/<str:action>/", village_views.village_act, name="village_act"),
    path("village/<str:code>/", village_views.village_detail, name="village"),
    path("village/<str:code>/data/", village_views.village_data, name="village_data"),
    path("village/<str:code>/designate/", village_views.village_designate, name="village_designate"),
]
