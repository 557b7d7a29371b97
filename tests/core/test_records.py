"""Workflow steps are records (ARCHITECTURE rule 5): every step model refuses to change or delete a written row."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from jingzhun.core.records import WrittenOnce

STEP_MODELS = sorted(
    (
        m
        for m in apps.get_models()
        if m.__name__.endswith("Step") and m._meta.app_label != "django_tasks_database"
    ),
    key=lambda m: m._meta.label,
)


def test_every_step_model_is_written_once():
    assert len(STEP_MODELS) >= 6  # identification ×2, projects ×2, funds' alert, assessment's county exit
    assert [m._meta.label for m in STEP_MODELS if not issubclass(m, WrittenOnce)] == []


@pytest.mark.django_db
def test_a_county_exit_step_once_written_is_neither_changed_nor_deleted(regions):
    from jingzhun.assessment.models import CountyExitStep
    from tests.conftest import COUNTY

    step = CountyExitStep.objects.create(county_id=COUNTY, year=2020, kind="propose", level=3)
    step.note = "改写"
    with pytest.raises(ValidationError, match="不可修改"):
        step.save()
    with pytest.raises(ValidationError, match="不可删除"):
        step.delete()
    assert CountyExitStep.objects.get().note == ""
