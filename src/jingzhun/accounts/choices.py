from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    OPERATOR = "operator", _("录入员")
    VIEWER = "viewer", _("查看员")
    # 三员分立 (等保 level 3): accounts and the audit trail are kept by two roles that touch no registry data
    SECURITY = "security", _("安全管理员")
    AUDITOR = "auditor", _("安全审计员")
    # the roles of the apps after the registry (accounts.permissions gives each its actions)
    FINANCE = "finance", _("财务人员")
    ASSESSOR = "assessor", _("考核评估人员")
    DEPARTMENT = "department", _("行业部门用户")
    CADRE = "cadre", _("帮扶干部")
    SUPERVISOR = "supervisor", _("监督人员")
