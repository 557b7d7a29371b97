"""REST API, version 1."""

from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter
from rest_framework.throttling import AnonRateThrottle

from jingzhun.regions.api import RegionViewSet
from jingzhun.registry.api import HouseholdViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("households", HouseholdViewSet, basename="household")


class TokenView(ObtainAuthToken):
    """Exchange username and password for an API token (throttled)."""

    throttle_classes = [AnonRateThrottle]


urlpatterns = [path("auth/token/", TokenView.as_view(), name="api-token"), *router.urls]
