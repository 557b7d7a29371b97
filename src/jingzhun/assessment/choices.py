from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    """What a sample is drawn for: the accuracy check (about half inside the registry, half outside) or the
    satisfaction survey (labour-capable poor : non-registered : no-labour poor, by policy 5 : 3 : 2)."""

    ACCURACY = "accuracy", _("精准识别和退出核查")
    SATISFACTION = "satisfaction", _("群众满意度调查")


class Group(models.TextChoices):
    """The household strata inside a sampled village."""

    LABOUR = "labour", _("有劳动力的建档立卡户")
    NO_LABOUR = "no_labour", _("无劳动力的建档立卡户")
    OUTSIDE = "outside", _("非建档立卡户")


class ResponseSource(models.TextChoices):
    WEB = "web", _("网页填报")
    ODK = "odk", _("ODK 离线采集")


class Estimator(models.TextChoices):
    WRONG_EXIT = "wrong_exit", _("错退率")
    MISSED = "missed", _("漏评率")
    SATISFACTION = "satisfaction", _("群众满意度")
