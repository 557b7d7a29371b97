"""Reads of 精准考核, each from ``for_user``: samples and their households for the third party (``assess``: the
assessed county never sees which households were drawn), results for whoever may ``view_assessment``."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from .models import Sample, SampleHousehold

SHOWN = 200  # rows of a sample shown on its page (a county sample has a few hundred at most)


def samples(*, user):
    return Sample.objects.for_user(user, "assess").select_related("county").order_by("county_id", "-id")


def sample(*, user, pk: int) -> Sample:
    return get_object_or_404(Sample.objects.for_user(user, "assess").select_related("county"), pk=pk)


def sample_households(*, user, sample: Sample):
    """The sample's households the user may read, with their villages and heads (the field list)."""
    return (
        SampleHousehold.objects.for_user(user, "assess")
        .filter(sample=sample)
        .select_related("region", "region__parent", "household")
        .order_by("key")
    )


def sample_household(*, user, pk: int) -> SampleHousehold:
    return get_object_or_404(
        SampleHousehold.objects.for_user(user, "assess").select_related("sample", "region", "household"),
        pk=pk,
    )
