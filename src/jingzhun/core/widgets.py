"""Form widgets every app shares."""

from django import forms


class DateInput(forms.DateInput):
    """A browser date picker. ``<input type=date>`` reads only ISO dates (2026-03-02): in the zh-Hans locale
    Django would render 2026年3月2日 and the browser would show the field blank, prefilled or not."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format=format)


class MultipleFileInput(forms.ClearableFileInput):
    """``<input type=file multiple>``: several files in one field."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploaded files (a list; empty when none and not required). Each is checked by the service that
    keeps them (type by content, size), not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]
