from django.urls import path

from . import views

app_name = "funds"
urlpatterns = [
    path("", views.home, name="home"),
    path("funds/", views.fund_list, name="funds"),
    path("funds/<int:pk>/", views.fund_detail, name="fund"),
    path("allocations/<int:pk>/", views.allocation_detail, name="allocation"),
    path("projects/<int:pk>/settle/", views.project_settle, name="project_settle"),
    path("receipts/<int:pk>/", views.receipt_download, name="receipt"),
    path("payments/", views.payment_list, name="payments"),
    path("payments/<int:pk>/reissue/", views.payment_reissue, name="reissue"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/file/", views.batch_file, name="batch_file"),
    path("batches/<int:pk>/notices/", views.batch_notices, name="batch_notices"),
    path("idle/", views.idle_list, name="idle"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("cadres/", views.cadre_list, name="cadres"),
    path("notices/", views.notice_list, name="notices"),
    path("policy/", views.policy_page, name="policy"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="objection_resolve"),
    path("households/<int:household_pk>/pay/", views.household_pay, name="household_pay"),
    path("households/<int:household_pk>/bank-account/", views.bank_account, name="bank_account"),
]
