from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.jobs, name="jobs"),
    path("jobs/<int:pk>/download/", views.download, name="download"),
    path("jobs/<int:pk>/retry/", views.retry, name="retry"),
    path("households/<int:pk>/card.pdf", views.household_card, name="household_card"),
    path("households/cards.pdf", views.household_cards, name="household_cards"),
    path("villages/<str:code>/register.<str:fmt>", views.village_register, name="village_register"),
]
