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


class MeasureCategory(models.TextChoices):
    """帮扶措施类别: the 五个一批 and the other categories of DOMAIN.md §6."""

    PRODUCTION = "production", _("发展生产脱贫一批")
    RELOCATION = "relocation", _("易地搬迁脱贫一批")
    ECOLOGY = "ecology", _("生态补偿脱贫一批")
    EDUCATION = "education", _("发展教育脱贫一批")
    SOCIAL_SECURITY = "social_security", _("社会保障兜底一批")
    EMPLOYMENT = "employment", _("就业扶贫")
    HEALTH = "health", _("健康扶贫")
    HOUSING = "housing", _("危房改造")
    FINANCE = "finance", _("金融扶贫（小额信贷）")
    PUBLIC_POST = "public_post", _("公益岗位")
    CONSUMPTION = "consumption", _("消费扶贫")
    ASSET_INCOME = "asset_income", _("资产收益扶贫")


# The first five are the 五个一批; the page groups the catalogue that way.
FIVE_BATCHES = frozenset(list(MeasureCategory)[:5])


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("计划")
    ONGOING = "ongoing", _("实施中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class HouseholdClass(models.TextChoices):
    """The six household classes that decide the measure (分类施策, DOMAIN.md §6)."""

    NO_LABOUR = "no_labour", _("无劳动能力")
    LITTLE_LABOUR = "little_labour", _("弱劳动能力")
    DISABLED = "disabled", _("有残疾人")
    MUCH_LABOUR = "much_labour", _("劳动力充足")
    NO_CAPITAL = "no_capital", _("有发展潜力缺资金")
    HARSH_ENVIRONMENT = "harsh_environment", _("生存条件恶劣")


class SupportKind(models.TextChoices):
    """What a unit or fund brings to a village as a whole (beside the measures of its households)."""

    FUNDS = "funds", _("资金")
    GOODS = "goods", _("物资")
    PROJECT = "project", _("项目")
