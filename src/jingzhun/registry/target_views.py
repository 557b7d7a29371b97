"""The 减贫计划 form of the region page: a user above a region hands down its target (``registry.targets``)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jingzhun.core.webwrites import act
from jingzhun.regions.models import Region

from . import targets


class TargetForm(forms.Form):
    region = forms.CharField(max_length=12)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    persons = forms.IntegerField(label=gettext_lazy("计划脱贫人数"), min_value=0, max_value=100_000_000)
    villages = forms.IntegerField(
        label=gettext_lazy("计划退出贫困村数"), min_value=0, max_value=100_000, initial=0
    )


@login_required
@require_POST
def target_set(request):
    form = TargetForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        code = request.POST.get("region", "")
        return (
            redirect("regions:browse", code=code) if code.isdigit() and len(code) == 12 else redirect("home")
        )
    d = form.cleaned_data
    region = get_object_or_404(Region.objects.for_user(request.user), code=d["region"])
    act(
        request,
        lambda: targets.target_set(
            user=request.user, region=region, year=d["year"], persons=d["persons"], villages=d["villages"]
        ),
        _("减贫计划已下达。"),
    )
    return redirect("regions:browse", code=region.parent_id or region.code)
