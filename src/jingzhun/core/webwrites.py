"""Service writes from web pages: run the write, show its message, or show the refusal (on the form's fields
where it names them) and change nothing. Shared by every app's pages."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _


class Refused(Exception):
    """A service refused the write; its messages have been shown."""


def attempt(request, write: Callable[[], object], done: str, form=None):
    """Run a service write and return what it returns; on refusal show its message (on the form's fields where
    it names them) and raise ``Refused``."""
    try:
        result = write()
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您没有办理该事项的权限。"))
        raise Refused from exc
    except ValidationError as exc:
        if form is not None and hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        for message in exc.messages:
            messages.error(request, message)
        raise Refused from exc
    messages.success(request, done)
    return result


def act(request, write: Callable[[], object], done: str) -> None:
    """A write whose page is shown again either way."""
    with contextlib.suppress(Refused):
        attempt(request, write, done)


def form_refused(request, form) -> None:
    """Show a bound form's errors as messages (for a POST that redirects back to the page that holds the form)."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)
