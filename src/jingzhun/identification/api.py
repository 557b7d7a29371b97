"""REST API of identification: the same services as the pages (one rule set), for apps and other systems.

Reads are scoped (outside the caller's region: 404); every write is a POST to an action named after the step,
validated by a serializer, decided by ``services``/``campaigns``, and answered with the record as it now is."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action

from jingzhun.core.api import ChoiceParam, CodeParam, IdParam, ScopedViewSet, YearParam, validated
from jingzhun.core.pagination import KeysetCursorPagination
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household

from . import campaigns, services
from .choices import ApplicationKind, Finding, ObjectionStatus, Procedure, Round, Stage
from .models import Application, Campaign, CampaignCheck, Objection, Publicity, PublicityEntry
from .serializers import (
    ApplicationCreateSerializer,
    ApplicationDetailSerializer,
    ApplicationSerializer,
    ApprovalSerializer,
    CampaignCreateSerializer,
    CampaignSerializer,
    CheckRecordSerializer,
    CheckSerializer,
    ConsentSerializer,
    DecisionSerializer,
    DeliberateSerializer,
    ObjectionCreateSerializer,
    ObjectionSerializer,
    OverrideSerializer,
    PublicityCreateSerializer,
    PublicitySerializer,
    ResolveSerializer,
    VerifySerializer,
    WithdrawSerializer,
)


class ApplicationFilters(serializers.Serializer):
    stage = ChoiceParam(Stage.choices)
    kind = ChoiceParam(ApplicationKind.choices)
    year = YearParam()
    region = CodeParam("exact village code")
    campaign = IdParam()


class PublicityFilters(serializers.Serializer):
    round = ChoiceParam(Round.choices)
    procedure = ChoiceParam(Procedure.choices)
    region = CodeParam("exact village code")
    year = YearParam()


class ObjectionFilters(serializers.Serializer):
    status = ChoiceParam(ObjectionStatus.choices)


class CampaignFilters(serializers.Serializer):
    year = YearParam()


class CheckFilters(serializers.Serializer):
    campaign = IdParam()
    finding = ChoiceParam(Finding.choices)


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """识别申请 and their steps: create, then 入户核实 → 民主评议 (village), 乡镇审核, 县级审批; an exit
    (kind ``exit``) 民主评议 → 入户核实 → 农户认可 (village), 乡镇审核, 县级审定 where the rule does not support it;
    a return (kind ``return``) 入户核实, 乡镇审核. Lists: ``publicity`` with its ``procedure``."""

    model = Application
    filters = {
        "stage": "stage",
        "kind": "kind",
        "year": "year",
        "region": "region_id",
        "campaign": "campaign_id",
    }
    filter_serializer = ApplicationFilters
    pagination_class = KeysetCursorPagination

    def get_queryset(self):
        return super().get_queryset().select_related("household", "region")

    def get_serializer_class(self):
        return ApplicationSerializer if self.action == "list" else ApplicationDetailSerializer

    @extend_schema(request=ApplicationCreateSerializer, responses=ApplicationDetailSerializer)
    def create(self, request):
        d = validated(ApplicationCreateSerializer, request)
        household = get_object_or_404(Household.objects.for_user(request.user), pk=d["household"])
        return self._answer(
            lambda: services.application_create(
                user=request.user, household=household, year=d["year"], reason=d["reason"], kind=d["kind"]
            ),
            code=status.HTTP_201_CREATED,
        )

    @extend_schema(request=VerifySerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        application, d = self.get_object(), validated(VerifySerializer, request)
        return self._answer(
            lambda: services.application_verify(
                user=request.user, application=application, passed=d["passed"], findings=d["findings"],
                on=d["on"], attachment=d.get("attachment"),
            ),
            application,
        )  # fmt: skip

    @extend_schema(request=DeliberateSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def deliberate(self, request, pk=None):
        application, d = self.get_object(), validated(DeliberateSerializer, request)
        return self._answer(
            lambda: services.application_deliberate(
                user=request.user, application=application, meeting_on=d["meeting_on"],
                attendance=d["attendance"], votes_for=d["votes_for"], votes_against=d["votes_against"],
                note=d["note"], minutes=d.get("minutes"),
            ),
            application,
        )  # fmt: skip

    @extend_schema(request=ConsentSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def consent(self, request, pk=None):
        """农户认可 of an exit (village)."""
        application, d = self.get_object(), validated(ConsentSerializer, request)
        return self._answer(
            lambda: services.application_consent(
                user=request.user, application=application, agreed=d["agreed"], note=d["note"], on=d["on"],
                attachment=d.get("attachment"),
            ),
            application,
        )  # fmt: skip

    @extend_schema(request=OverrideSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def override(self, request, pk=None):
        """县级审定 of an exit the rule does not support (county, before its 公告)."""
        application, d = self.get_object(), validated(OverrideSerializer, request)
        return self._answer(
            lambda: services.exit_override(user=request.user, application=application, reason=d["reason"]),
            application,
        )

    @extend_schema(request=DecisionSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        application, d = self.get_object(), validated(DecisionSerializer, request)
        return self._answer(
            lambda: services.application_review(
                user=request.user, application=application, passed=d["passed"], note=d["note"]
            ),
            application,
        )

    @extend_schema(request=ApprovalSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        application, d = self.get_object(), validated(ApprovalSerializer, request)
        return self._answer(
            lambda: services.application_approve(
                user=request.user, application=application, passed=d["passed"], note=d["note"],
                override=d["override"],
            ),
            application,
        )  # fmt: skip


class PublicityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """公示/公告 lists of a village: open (with the applications), withdraw one household, close after the period."""

    model = Publicity
    filters = {"round": "round", "procedure": "procedure", "region": "region_id", "year": "year"}
    filter_serializer = PublicityFilters
    serializer_class = PublicitySerializer
    pagination_class = KeysetCursorPagination

    def get_queryset(self):
        return super().get_queryset().select_related("region").prefetch_related("entries__application")

    @extend_schema(request=PublicityCreateSerializer, responses=PublicitySerializer)
    def create(self, request):
        d = validated(PublicityCreateSerializer, request)
        region = get_object_or_404(Region.objects.for_user(request.user), code=d["region"])
        applications = list(Application.objects.for_user(request.user).filter(pk__in=d["applications"]))
        if len(applications) != len(set(d["applications"])):
            raise Http404
        return self._answer(
            lambda: services.publicity_open(
                user=request.user, region=region, round=d["round"], applications=applications,
                starts_on=d["starts_on"], procedure=d["procedure"],
            ),
            code=status.HTTP_201_CREATED,
        )  # fmt: skip

    @extend_schema(request=None, responses=PublicitySerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        publicity = self.get_object()
        return self._answer(
            lambda: services.publicity_close(user=request.user, publicity=publicity), publicity
        )

    @extend_schema(request=WithdrawSerializer, responses=PublicitySerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        publicity, d = self.get_object(), validated(WithdrawSerializer, request)
        entry = get_object_or_404(
            PublicityEntry.objects.for_user(request.user), pk=d["entry"], publicity=publicity
        )
        return self._answer(
            lambda: services.publicity_withdraw(user=request.user, entry=entry, reason=d["reason"]), publicity
        )


class ObjectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """异议: staff record them against a household on a running 公示; the township resolves them."""

    model = Objection
    filters = {"status": "status"}
    filter_serializer = ObjectionFilters
    serializer_class = ObjectionSerializer
    pagination_class = KeysetCursorPagination

    def get_queryset(self):
        return super().get_queryset().select_related("entry")

    @extend_schema(request=ObjectionCreateSerializer, responses=ObjectionSerializer)
    def create(self, request):
        d = validated(ObjectionCreateSerializer, request)
        entry = get_object_or_404(PublicityEntry.objects.for_user(request.user), pk=d["entry"])
        return self._answer(
            lambda: services.objection_file(
                user=request.user, entry=entry, text=d["text"], name=d["name"], contact=d["contact"]
            ),
            code=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ResolveSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        objection, d = self.get_object(), validated(ResolveSerializer, request)
        return self._answer(
            lambda: services.objection_resolve(
                user=request.user,
                objection=objection,
                upheld=d["upheld"],
                reason=d["reason"],
                action=d["action"],
            ),
            objection,
        )


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """回头看: a county opens one (all households or a sample) and closes it; counts come with each campaign."""

    model = Campaign
    filters = {"year": "year"}
    filter_serializer = CampaignFilters
    serializer_class = CampaignSerializer
    pagination_class = KeysetCursorPagination

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = {**self.get_serializer_context(), "totals": campaigns.campaign_totals(page)}
        return self.get_paginated_response(CampaignSerializer(page, many=True, context=context).data)

    @extend_schema(request=CampaignCreateSerializer, responses=CampaignSerializer)
    def create(self, request):
        d = validated(CampaignCreateSerializer, request)
        return self._answer(
            lambda: campaigns.campaign_open(user=request.user, county=request.user.region, **d),
            code=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        campaign = self.get_object()
        return self._answer(lambda: campaigns.campaign_close(user=request.user, campaign=campaign), campaign)


class CampaignCheckViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The households drawn into 回头看 (each caller sees those of its own villages) and the village's finding."""

    model = CampaignCheck
    filters = {"campaign": "campaign_id", "finding": "finding"}
    filter_serializer = CheckFilters
    serializer_class = CheckSerializer
    pagination_class = KeysetCursorPagination

    def get_queryset(self):
        return super().get_queryset().select_related("household")

    @extend_schema(request=CheckRecordSerializer, responses=CheckSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        check, d = self.get_object(), validated(CheckRecordSerializer, request)
        return self._answer(
            lambda: campaigns.check_record(
                user=request.user, check=check, finding=d["finding"], note=d["note"], on=d["on"]
            ),
            check,
        )
