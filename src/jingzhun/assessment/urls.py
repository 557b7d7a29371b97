from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.home, name="home"),
    path("samples/<int:pk>/", views.sample_detail, name="sample"),
    path("samples/<int:pk>/field-list/", views.field_list, name="field_list"),
    path("samples/<int:pk>/xlsform/", views.xlsform, name="xlsform"),
    path("samples/<int:pk>/import/", views.survey_import, name="survey_import"),
    path("samples/<int:pk>/estimates/", views.estimates_compute, name="estimates_compute"),
    path("scores/", views.scores, name="scores"),
    path("counties/<str:code>/<int:year>/", views.county, name="county"),
    path("scores/<str:code>/years/", views.score_years, name="score_years"),
    path("counties/<str:code>/<int:year>/help-answers/", views.help_answers, name="help_answers"),
    path("local-figures/", views.local_figures, name="local_figures"),
    path("local-figures/<int:pk>/file/", views.local_figure_file, name="local_figure_file"),
    path("poor-counties/", views.poor_counties, name="poor_counties"),
    path("national-checks/", views.national_checks, name="national_checks"),
    path("national-checks/<int:pk>/result/", views.national_check_result, name="national_check_result"),
    path("exit-objections/<int:pk>/resolve/", views.exit_objection_resolve, name="exit_objection_resolve"),
    path("cadres/", views.cadre_assessment, name="cadres"),
    path("cadres/<int:pk>/", views.cadre_behind, name="cadre"),
    path("policy/", views.policy, name="policy"),
    path("findings/", views.findings, name="findings"),
    path("findings/import/", views.findings_import, name="findings_import"),
    path("findings/from-alert/<int:pk>/", views.finding_from_alert, name="finding_from_alert"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("findings/<int:pk>/evidence/", views.finding_evidence, name="finding_evidence"),
    path("imports/<int:pk>/", views.survey_job, name="survey_job"),
    path("sample-households/<int:pk>/survey/", views.survey_entry, name="survey_entry"),
]
