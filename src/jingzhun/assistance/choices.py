"""Code lists of assistance (精准帮扶, DOMAIN.md §6)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitType(models.TextChoices):
    """帮扶单位类型: what kind of help a unit brings first (its cadres' default skill)."""

    GOVERNMENT = "government", _("党政机关")
    HEALTH = "health", _("医疗卫生")
    EDUCATION = "education", _("教育")
    AGRICULTURE = "agriculture", _("农业农村")
    FINANCE = "finance", _("金融")
    ENTERPRISE = "enterprise", _("企业")
    SOCIAL_ORG = "social_org", _("社会组织")
    INSTITUTION = "institution", _("事业单位")


class UnitLevel(models.IntegerChoices):
    """Which government level sends the unit (中央单位 … 乡镇)."""

    CENTRAL = 0, _("中央")
    PROVINCE = 1, _("省级")
    CITY = 2, _("市级")
    COUNTY = 3, _("县级")
    TOWNSHIP = 4, _("乡镇")


class Skill(models.TextChoices):
    """A cadre's skills, matched against a household's causes of poverty."""

    HEALTH = "health", _("医疗健康")
    EDUCATION = "education", _("教育助学")
    AGRICULTURE = "agriculture", _("农业技术")
    EMPLOYMENT = "employment", _("就业培训")
    FINANCE = "finance", _("金融信贷")
    SOCIAL = "social", _("社会保障")
    INFRASTRUCTURE = "infrastructure", _("基础设施")
    COMMERCE = "commerce", _("电商商贸")


class TeamRole(models.TextChoices):
    FIRST_SECRETARY = "first_secretary", _("第一书记")
    LEADER = "leader", _("队长")
    MEMBER = "member", _("队员")


class PairingForm(models.TextChoices):
    """帮扶形式 of a unit with a village."""

    FIXED = "fixed", _("定点帮扶")
    COUNTERPART = "counterpart", _("对口帮扶")
    PAIRED = "paired", _("结对帮扶")
    SOCIAL = "social", _("社会帮扶")


class HelperKind(models.TextChoices):
    """社会力量 who join a household pairing as second or third helper."""

    ENTERPRISE = "enterprise", _("企业")
    ORGANISATION = "organisation", _("社会组织")
    INDIVIDUAL = "individual", _("个人")
