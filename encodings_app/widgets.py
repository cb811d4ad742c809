"""Form widgets written in Python where Django's templates cost too much for a page loaded all day.

Django renders a select through a template that includes a second one per option: the encodings list's
region filter, 86 options, took about 10 ms of each list page on a small machine. InlineSelect writes the
same markup (the same attributes, escaped the same way) from the same context, without a template.
"""

from __future__ import annotations

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


def _attributes(attrs: dict) -> SafeString:
    """Django's widgets/attrs.html: False leaves an attribute out, True writes its name alone."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


class InlineSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        options = []
        for group_name, group_choices, _index in widget["optgroups"]:
            inner = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (option["value"], _attributes(option["attrs"]), option["label"])
                    for option in group_choices
                ),
            )
            options.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, inner) if group_name else inner
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            _attributes(widget["attrs"]),
            format_html_join("", "{}", ((option,) for option in options)),
        )
