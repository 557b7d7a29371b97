"""REST API, version 1."""

from django.urls import path
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter
from rest_framework.throttling import AnonRateThrottle

from jingzhun.accounts import throttle
from jingzhun.accounts.models import User
from jingzhun.analytics.api import FiguresView
from jingzhun.assistance import api as assistance
from jingzhun.core.middleware import client_ip
from jingzhun.identification import api as identification
from jingzhun.monitoring import api as monitoring
from jingzhun.regions.api import RegionViewSet
from jingzhun.registry.api import HouseholdViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("households", HouseholdViewSet, basename="household")
router.register("assistance/plans", assistance.PlanViewSet, basename="plan")
router.register("assistance/measures", assistance.MeasureViewSet, basename="measure")
router.register("assistance/visits", assistance.VisitViewSet, basename="visit")
router.register("identification/applications", identification.ApplicationViewSet, basename="application")
router.register("identification/publicities", identification.PublicityViewSet, basename="publicity")
router.register("identification/objections", identification.ObjectionViewSet, basename="objection")
router.register("identification/campaigns", identification.CampaignViewSet, basename="campaign")
router.register(
    "identification/campaign-checks", identification.CampaignCheckViewSet, basename="campaign-check"
)
router.register("monitoring/cases", monitoring.CaseViewSet, basename="monitoring-case")
router.register("monitoring/clues", monitoring.ClueViewSet, basename="monitoring-clue")


class TokenView(ObtainAuthToken):
    """Exchange username and password for an API token, with the login page's failure lockout."""

    throttle_classes = [AnonRateThrottle]

    def post(self, request, *args, **kwargs):
        data = request.data if hasattr(request.data, "get") else {}  # a JSON array or string is just invalid
        username, ip = str(data.get("username", "")), client_ip(request)
        if throttle.is_locked(username, ip):
            raise exceptions.Throttled(detail=_("登录失败次数过多，请稍后再试。"))
        if wait := throttle.address_wait(ip):
            raise exceptions.Throttled(wait=wait, detail=_("该网络地址登录失败次数较多，请稍后再试。"))
        try:
            response = super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            throttle.record_failure(username, ip)
            raise
        user = User.objects.get(auth_token__key=response.data["token"])
        if user.has_second_factor or user.must_change_password:  # tokens last: not past these checks
            Token.objects.filter(user=user).delete()
            raise exceptions.PermissionDenied(
                _("该账号开启了两步验证，不能用用户名和密码换取 API 令牌。")
                if user.has_second_factor
                else _("请先在网页上修改密码，再申请 API 令牌。")
            )
        throttle.clear(username, ip)
        return response


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("analytics/figures/", FiguresView.as_view(), name="analytics-figures"),
    *router.urls,
]
