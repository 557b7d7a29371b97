"""Form widgets every app shares."""

from django import forms


class DateInput(forms.DateInput):
    """A browser date picker. ``<input type=date>`` reads only ISO dates (2026-03-02): in the zh-Hans locale
    Django would render 2026年3月2日 and the browser would show the field blank, prefilled or not."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format=format)
