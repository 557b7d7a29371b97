"""What one app shows on another app's page, registered by the app that owns it.

The household card belongs to the registry, but identification adds the household's applications and the
「发起识别申请」 button, assistance its cadre, and the apps to come their own parts (exits, monitoring, funds
received); the region page belongs to regions, but the registry adds the household counts of the children.
Each app registers its pieces in its ``AppConfig.ready()``; the page asks for them by slot, so the page's app
never imports the apps above it (the layer contract in ``pyproject.toml`` checks that).

- ``panel(slot, template=…, order=…)`` decorates a function ``(request, obj) -> dict | None`` giving the
  template's context (None: nothing to show for this object or this reader); ``{% panels slot obj %}`` renders
  every panel of the slot in order.
- ``provide(name)`` decorates the one function answering a question a lower app asks (e.g. the children of a
  region with their counts); ``provided(name)`` returns it, or a default when no app provides it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Panel:
    slot: str
    name: str
    template: str
    order: int
    context: Callable[[Any, Any], dict | None]


_panels: dict[str, dict[str, Panel]] = {}
_providers: dict[str, Callable] = {}


def panel(slot: str, *, template: str, order: int = 50):
    """Register the decorated context function as a panel of ``slot`` (re-registering replaces it)."""

    def register(func: Callable[[Any, Any], dict | None]):
        name = f"{func.__module__}.{func.__qualname__}"
        _panels.setdefault(slot, {})[name] = Panel(slot, name, template, order, func)
        return func

    return register


def panels_of(slot: str) -> list[Panel]:
    return sorted(_panels.get(slot, {}).values(), key=lambda p: (p.order, p.name))


def render_panels(slot: str, request, obj) -> SafeString:
    """Every panel of ``slot`` for ``obj``, rendered for ``request``'s reader."""
    parts = []
    for p in panels_of(slot):
        context = p.context(request, obj)
        if context is not None:
            parts.append(render_to_string(p.template, {**context, "obj": obj}, request=request))
    return mark_safe("".join(parts))


def provide(name: str):
    """Register the decorated function as the answer to ``name`` (one provider per name)."""

    def register(func: Callable):
        _providers[name] = func
        return func

    return register


def provided(name: str, default: Callable | None = None) -> Callable:
    """The function an app provides for ``name``; ``default`` (or an error) when none does."""
    found = _providers.get(name, default)
    if found is None:
        raise LookupError(f"no app provides {name!r}")
    return found
