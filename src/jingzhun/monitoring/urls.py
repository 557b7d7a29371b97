from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.home, name="home"),
    path("clues/", views.clue_list, name="clues"),
    path("clues/new/", views.clue_new, name="clue_new"),
    path("clues/<int:pk>/", views.clue_detail, name="clue"),
    path("households/<int:household_pk>/clue/", views.clue_new, name="household_clue"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/authorisation/", views.authorisation, name="authorisation"),
    path("cases/<int:pk>/<str:action>/", views.case_step, name="case_step"),
    path("publicity/new/", views.publicity_new, name="publicity_new"),
    path("screening/", views.screening_page, name="screening"),
    path("policy/", views.policy_page, name="policy"),
    path("warning/", views.warning_page, name="warning"),
]
