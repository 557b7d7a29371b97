"""Code lists of the 2014 national 《贫困户登记表》 (DOMAIN.md §2), with the official Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HouseholdStatus(models.TextChoices):
    UNIDENTIFIED = "unidentified", _("未识别")
    REGISTERED = "registered", _("在册")
    EXITED = "exited", _("已脱贫")
    RETURNED = "returned", _("返贫")
    CANCELLED = "cancelled", _("已注销")


# 监测对象 is not a status (issue 18): an exited household stays 已脱贫 while monitored, a 边缘户 is an ordinary
# household never registered. Monitoring is a dated attribute (``registry.models.Monitoring``).
class MonitoringKind(models.TextChoices):
    UNSTABLE = "unstable", _("脱贫不稳定户")
    MARGINAL = "marginal", _("边缘易致贫户")
    SUDDEN = "sudden", _("突发严重困难户")


class PolicyPeriodKind(models.TextChoices):
    """The policy periods of poverty alleviation: the rules of each are data (``registry.models.PolicyPeriod``)."""

    TACKLING = "tackling", _("脱贫攻坚期")
    TRANSITION = "transition", _("巩固衔接过渡期")
    NORMAL = "normal", _("常态化帮扶")


class RiskType(models.TextChoices):
    """Risks of falling (back) into poverty (DOMAIN.md §8)."""

    ILLNESS = "illness", _("因病")
    SCHOOLING = "schooling", _("因学")
    DISABILITY = "disability", _("因残")
    DISASTER = "disaster", _("因灾")
    ACCIDENT = "accident", _("因意外")
    INDUSTRY = "industry", _("产业项目失败")
    EMPLOYMENT = "employment", _("务工就业不稳")
    LABOUR = "labour", _("缺劳动力")
    OTHER = "other", _("其他")


# Statuses of a household that counts in the registry (a cancelled record is kept but no longer counted).
ACTIVE_STATUSES = tuple(s for s in HouseholdStatus.values if s != HouseholdStatus.CANCELLED)
# 现有贫困: households still poor (在册 and 返贫); the household list's "poor" filter and the analytics count them.
POOR_STATUSES = (HouseholdStatus.REGISTERED.value, HouseholdStatus.RETURNED.value)
POOR_FILTER = "poor"
# 建档立卡 in the statistics: every identified household not cancelled (未识别 applicants are not counted).
COUNTED_STATUSES = (*POOR_STATUSES, HouseholdStatus.EXITED.value)
# The statistics' categories: the counted statuses and 监测对象 — a household with an open monitoring period
# counts there, in one category only, as it did when monitoring was a status (analytics' snapshot decides it).
MONITORED = "monitored"
COUNTED_CATEGORIES = (*COUNTED_STATUSES, MONITORED)
CATEGORY_LABELS = {**dict(HouseholdStatus.choices), MONITORED: _("监测对象")}


class IdentificationStandard(models.TextChoices):
    """A1 识别标准."""

    NATIONAL = "national", _("国家标准")
    PROVINCIAL = "provincial", _("省定标准")
    MUNICIPAL = "municipal", _("市定标准")


class Attribute(models.TextChoices):
    """A2 贫困户属性."""

    GENERAL = "general", _("一般贫困户")
    DIBAO = "dibao", _("低保贫困户")
    WUBAO = "wubao", _("特困供养（五保）贫困户")
    # The national system's finer list (aac006, 8 codes; issue 23): kept as given, never folded into the above.
    DIBAO_EXITED = "dibao_exited", _("低保脱贫户")
    WUBAO_EXITED = "wubao_exited", _("特困供养脱贫户")
    GENERAL_EXITED = "general_exited", _("一般脱贫户")
    DIBAO_WUBAO = "dibao_wubao", _("低保特困供养贫困户")
    DIBAO_WUBAO_HH = "dibao_wubao_hh", _("低保特困供养户")


class ExitPolicy(models.TextChoices):
    """Whether an exited household still enjoys the policies (the national 脱贫状态 1 and 4)."""

    ENJOYING = "enjoying", _("享受政策")
    ENDED = "ended", _("不再享受政策")


class PoliticalStatus(models.TextChoices):
    """政治面貌 (national member file)."""

    PARTY_MEMBER = "party", _("中共党员")
    PROBATIONARY = "probationary", _("中共预备党员")
    LEAGUE = "league", _("共青团员")
    MASSES = "masses", _("群众")


class Cause(models.TextChoices):
    """A3 致贫原因 (12)."""

    ILLNESS = "illness", _("因病")
    DISABILITY = "disability", _("因残")
    EDUCATION = "education", _("因学")
    DISASTER = "disaster", _("因灾")
    LACK_LAND = "lack_land", _("缺土地")
    LACK_WATER = "lack_water", _("缺水")
    LACK_SKILLS = "lack_skills", _("缺技术")
    LACK_LABOUR = "lack_labour", _("缺劳力")
    LACK_CAPITAL = "lack_capital", _("缺资金")
    POOR_TRANSPORT = "poor_transport", _("交通条件落后")
    LACK_MOTIVATION = "lack_motivation", _("自身发展动力不足")
    OTHER = "other", _("其他")


class RoadType(models.TextChoices):
    DIRT = "dirt", _("泥土路")
    GRAVEL = "gravel", _("砂石路")
    CEMENT = "cement", _("水泥路")
    ASPHALT = "asphalt", _("沥青路")


class Stated(models.TextChoices):
    """A yes/no item kept as the source stated it; empty: not stated (the registry does not guess it)."""

    YES = "yes", _("是")
    NO = "no", _("否")


class HouseGrade(models.TextChoices):
    """住房安全等级; C and D are dangerous (危房)."""

    A = "A", _("A 级")
    B = "B", _("B 级")
    C = "C", _("C 级（危房）")
    D = "D", _("D 级（危房）")


DANGEROUS_GRADES = frozenset({HouseGrade.C, HouseGrade.D})


class Fuel(models.TextChoices):
    FIREWOOD = "firewood", _("柴草")
    DUNG = "dung", _("干畜粪")
    COAL = "coal", _("煤炭")
    CLEAN = "clean", _("清洁能源")
    OTHER = "other", _("其他")


class Sex(models.TextChoices):
    MALE = "1", _("男")
    FEMALE = "2", _("女")


class Relationship(models.TextChoices):
    """与户主关系 (GB/T 4761 groups)."""

    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    SON = "son", _("之子")
    DAUGHTER = "daughter", _("之女")
    DAUGHTER_IN_LAW = "daughter_in_law", _("之儿媳")
    SON_IN_LAW = "son_in_law", _("之女婿")
    GRANDCHILD = "grandchild", _("之孙子女")
    MATERNAL_GRANDCHILD = "maternal_grandchild", _("之外孙子女")
    PARENT = "parent", _("之父母")
    PARENT_IN_LAW = "parent_in_law", _("之岳父母或公婆")
    GRANDPARENT = "grandparent", _("之祖父母")
    SIBLING = "sibling", _("之兄弟姐妹")
    OTHER = "other", _("其他")
    # The national system's 28 relationships (issue 23): finer than the groups above, which stay for old data.
    GRANDSON = "grandson", _("之孙子")
    GRANDDAUGHTER = "granddaughter", _("之孙女")
    EXT_GRANDSON = "ext_grandson", _("之外孙子")
    EXT_GRANDDAUGHTER = "ext_granddaughter", _("之外孙女")
    FATHER = "father", _("之父")
    MOTHER = "mother", _("之母")
    WIFES_FATHER = "wifes_father", _("之岳父")
    WIFES_MOTHER = "wifes_mother", _("之岳母")
    HUSBANDS_FATHER = "husbands_father", _("之公公")
    HUSBANDS_MOTHER = "husbands_mother", _("之婆婆")
    GRANDFATHER = "grandfather", _("之祖父")
    GRANDMOTHER = "grandmother", _("之祖母")
    EXT_GRANDFATHER = "ext_grandfather", _("之外祖父")
    EXT_GRANDMOTHER = "ext_grandmother", _("之外祖母")
    GREAT_GRANDSON = "great_grandson", _("之曾孙子")
    GREAT_GRANDDAUGHTER = "great_granddaughter", _("之曾孙女")
    NEPHEW = "nephew", _("之侄儿")
    NIECE = "niece", _("之侄女")
    SIBLING_IN_LAW = "sibling_in_law", _("之兄弟媳妇")
    UNCLE = "uncle", _("之叔伯")


class Education(models.TextChoices):
    """文化程度."""

    ILLITERATE = "illiterate", _("文盲或半文盲")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    COLLEGE = "college", _("大专及以上")
    PRESCHOOL_CHILD = "preschool_child", _("学龄前儿童")
    # The national list separates 大专 and 本科及以上 (issue 23); 大专及以上 stays for old data.
    JUNIOR_COLLEGE = "junior_college", _("大专")
    BACHELOR = "bachelor", _("本科及以上")


class Schooling(models.TextChoices):
    """在校生状况."""

    NONE = "none", _("非在校生")
    PRESCHOOL = "preschool", _("学前教育")
    PRIMARY = "primary", _("小学")
    GRADE_7 = "grade_7", _("七年级")
    GRADE_8 = "grade_8", _("八年级")
    GRADE_9 = "grade_9", _("九年级")
    SENIOR_1 = "senior_1", _("高中一年级")
    SENIOR_2 = "senior_2", _("高中二年级")
    SENIOR_3 = "senior_3", _("高中三年级")
    SECONDARY_VOC_1 = "sec_voc_1", _("中职一年级")
    SECONDARY_VOC_2 = "sec_voc_2", _("中职二年级")
    SECONDARY_VOC_3 = "sec_voc_3", _("中职三年级")
    HIGHER_VOC_1 = "high_voc_1", _("高职一年级")
    HIGHER_VOC_2 = "high_voc_2", _("高职二年级")
    HIGHER_VOC_3 = "high_voc_3", _("高职三年级")
    COLLEGE = "college", _("大专及以上")
    # The national list by grade (issue 23).
    PRESCHOOL_CHILD = "pre_child", _("学龄前儿童")
    TECHNICIAN_1 = "tech_1", _("技师学院一年级")
    TECHNICIAN_2 = "tech_2", _("技师学院二年级")
    TECHNICIAN_3 = "tech_3", _("技师学院三年级")
    TECHNICIAN_4 = "tech_4", _("技师学院四年级")
    BACHELOR_1 = "bach_1", _("本科一年级")
    BACHELOR_2 = "bach_2", _("本科二年级")
    BACHELOR_3 = "bach_3", _("本科三年级")
    BACHELOR_4 = "bach_4", _("本科四年级")
    BACHELOR_5 = "bach_5", _("本科五年级")
    POSTGRADUATE = "postgrad", _("硕士研究生及以上")


class Health(models.TextChoices):
    """健康状况."""

    HEALTHY = "healthy", _("健康")
    CHRONIC = "chronic", _("长期慢性病")
    SERIOUS = "serious", _("患有大病")
    DISABLED = "disabled", _("残疾")


class Labour(models.TextChoices):
    """劳动技能."""

    ORDINARY = "ordinary", _("普通劳动力")
    SKILLED = "skilled", _("技能劳动力")
    WEAK = "weak", _("弱劳动力或半劳动力")
    LOST = "lost", _("丧失劳动力")
    NONE = "none", _("无劳动力")


class WorkStatus(models.TextChoices):
    """务工状况."""

    NONE = "none", _("未务工")
    IN_TOWNSHIP = "in_township", _("乡（镇）内务工")
    IN_COUNTY = "in_county", _("乡（镇）外县内务工")
    IN_PROVINCE = "in_province", _("县外省内务工")
    OUT_OF_PROVINCE = "out_of_province", _("省外务工")
    OTHER = "other", _("其他")


ETHNIC_GROUPS = [
    _("汉族"),
    _("蒙古族"),
    _("回族"),
    _("藏族"),
    _("维吾尔族"),
    _("苗族"),
    _("彝族"),
    _("壮族"),
    _("布依族"),
    _("朝鲜族"),
    _("满族"),
    _("侗族"),
    _("瑶族"),
    _("白族"),
    _("土家族"),
    _("哈尼族"),
    _("哈萨克族"),
    _("傣族"),
    _("黎族"),
    _("傈僳族"),
    _("佤族"),
    _("畲族"),
    _("高山族"),
    _("拉祜族"),
    _("水族"),
    _("东乡族"),
    _("纳西族"),
    _("景颇族"),
    _("柯尔克孜族"),
    _("土族"),
    _("达斡尔族"),
    _("仫佬族"),
    _("羌族"),
    _("布朗族"),
    _("撒拉族"),
    _("毛南族"),
    _("仡佬族"),
    _("锡伯族"),
    _("阿昌族"),
    _("普米族"),
    _("塔吉克族"),
    _("怒族"),
    _("乌孜别克族"),
    _("俄罗斯族"),
    _("鄂温克族"),
    _("德昂族"),
    _("保安族"),
    _("裕固族"),
    _("京族"),
    _("塔塔尔族"),
    _("独龙族"),
    _("鄂伦春族"),
    _("赫哲族"),
    _("门巴族"),
    _("珞巴族"),
    _("基诺族"),
]

# 民族 by GB/T 3304 code: 01 汉族 … 56 基诺族, 97 其他, 98 外国血统中国籍人士.
Ethnicity = models.TextChoices(
    "Ethnicity",
    [(f"E{i:02d}", (f"{i:02d}", name)) for i, name in enumerate(ETHNIC_GROUPS, start=1)]
    + [("E97", ("97", _("其他"))), ("E98", ("98", _("外国血统中国籍人士")))],
)


class MemberChangeKind(models.TextChoices):
    """人口变动 (动态管理): what happened to a person of a household. A person who leaves one household for another
    leaves a row on each (迁出 on the one, 迁入 on the other), so each card tells its own story."""

    BIRTH = "birth", _("出生")
    DEATH = "death", _("死亡")
    MARRY_IN = "marry_in", _("婚入")
    MARRY_OUT = "marry_out", _("婚出")
    SPLIT_OUT = "split_out", _("分户迁出")
    SPLIT_IN = "split_in", _("分户立户")
    MERGE_OUT = "merge_out", _("合户迁出")
    MERGE_IN = "merge_in", _("合户迁入")
    MOVE_OUT = "move_out", _("迁出")
    MOVE_IN = "move_in", _("迁入")
    HEAD_CHANGE = "head_change", _("户主变更")


# How a change reads on the card: 「2026-03-02 新增人口：张小明（出生）」.
MEMBER_CHANGE_GROUPS = {
    MemberChangeKind.BIRTH: _("新增人口"), MemberChangeKind.MARRY_IN: _("新增人口"),
    MemberChangeKind.SPLIT_IN: _("新增人口"), MemberChangeKind.MERGE_IN: _("新增人口"),
    MemberChangeKind.MOVE_IN: _("新增人口"), MemberChangeKind.DEATH: _("自然减少"),
    MemberChangeKind.MARRY_OUT: _("减少人口"), MemberChangeKind.SPLIT_OUT: _("减少人口"),
    MemberChangeKind.MERGE_OUT: _("减少人口"), MemberChangeKind.MOVE_OUT: _("减少人口"),
    MemberChangeKind.HEAD_CHANGE: _("户主变更"),
}  # fmt: skip


class TransferStatus(models.TextChoices):
    """A move between counties (迁出/迁入): requested by the sending county, decided by the receiving one."""

    PENDING = "pending", _("待接收")
    ACCEPTED = "accepted", _("已接收")
    REFUSED = "refused", _("已退回")
    CANCELLED = "cancelled", _("已撤回")


class SplitReviewStatus(models.TextChoices):
    OPEN = "open", _("待审核")
    CLEARED = "cleared", _("已审核")
