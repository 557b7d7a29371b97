"""``{{ step.actor_label|actor }}``: who took a step, in words when it was the system (a command, an import,
the portal) rather than a user."""

from django import template

from jingzhun.core.models import source_in_words

register = template.Library()


@register.filter
def actor(label: str) -> str:
    return source_in_words(label) or label
