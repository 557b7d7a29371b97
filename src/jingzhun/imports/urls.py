from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.import_start, name="start"),
    path("template.xlsx", views.import_template, name="template"),
    path("<int:pk>/", views.import_job, name="job"),
    path("<int:pk>/report.xlsx", views.import_report, name="report"),
    path("<int:pk>/file", views.import_source_file, name="file"),
    path("<int:pk>/retry/", views.import_retry, name="retry"),
    path("export.<str:fmt>", views.household_export, name="export"),
    path("exports/", views.export_list, name="export_list"),
    path("exports/<int:pk>/", views.export_job, name="export_job"),
    path("exports/<int:pk>/download", views.export_download, name="export_download"),
]
