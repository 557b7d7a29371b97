"""``{% panels "household.card" household %}``: the pieces other apps add to a page (``core.panels``)."""

from django import template

from jingzhun.core.panels import render_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context, slot: str, obj):
    return render_panels(slot, context.get("request"), obj)
