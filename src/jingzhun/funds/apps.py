from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "jingzhun.funds"
    label = "funds"
    verbose_name = _("扶贫资金")

    def ready(self):
        from jingzhun.assistance.equity import household_money_source, money_source

        from . import (
            panels,  # noqa: F401 - the household card's payments, the 工作台, the year's open items
            provides,  # noqa: F401 - 资金成效 for the assessment's scores
        )
        from .selectors import paid_per_village

        money_source(paid_per_village)  # payments count in the equity of resources, once

        from .selectors import household_payments

        household_money_source(
            household_payments
        )  # money per household: the equity's median, the outlier rule

        from jingzhun.assistance.selectors import measure_paid_source

        from .selectors import paid_per_measure

        measure_paid_source(paid_per_measure)  # a measure's actual amount: its payments where they exist

        from jingzhun.projects.services import plan_guard

        from .services import refuse_industry_short

        plan_guard(refuse_industry_short)  # 衔接资金: the year plan keeps the required industry share
