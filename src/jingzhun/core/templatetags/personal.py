"""``{% personal value "phone" %}``: personal data in a template, masked unless the reader may see it in full.

The page's ``shown`` (a ``core.masking.Shown``, e.g. after a logged reveal) decides when the view gives one;
otherwise the reader's own permission does."""

from django import template

from jingzhun.core.masking import Shown

register = template.Library()


@register.simple_tag(takes_context=True)
def personal(context, value, kind):
    shown = context.get("shown")
    if not isinstance(shown, Shown):
        request = context.get("request")
        shown = Shown.for_reader(getattr(request, "user", None))
    return shown.value(kind, value)
