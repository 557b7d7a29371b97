from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import ThrottledLoginForm

app_name = "accounts"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", authentication_form=ThrottledLoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_edit, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/active/", views.user_active, name="user_active"),
    path("users/<int:pk>/reset/", views.user_reset, name="user_reset"),
    path("audit/", views.audit_trail, name="audit"),
]
