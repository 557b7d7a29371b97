"""``demo-quality``: after the demo data, findings of several rules in the demo village, checked and counted."""

import io

import pytest
from django.core.management import call_command

from jingzhun.quality.models import QualityCount, QualityRun

pytestmark = pytest.mark.django_db


def test_the_demo_plants_findings_of_several_rules_and_runs_the_check(regions):
    call_command("demo-data", region="522634", households=120, seed=5, verbosity=0)
    out = io.StringIO()
    call_command("demo-quality", stdout=out)
    run = QualityRun.objects.get()
    assert run.status == "done" and run.households >= 120
    rules = set(QualityCount.objects.filter(run=run).exclude(rule="").values_list("rule", flat=True))
    assert {"Q05", "Q09", "Q13", "Q20"} <= rules and len(rules) >= 5, rules
    assert "埋入疑点" in out.getvalue()
    call_command("demo-quality", stdout=out)  # again: nothing more
    assert QualityRun.objects.count() == 1
