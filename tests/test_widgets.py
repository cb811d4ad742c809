"""InlineSelect writes the markup Django's Select template writes, without the template."""

import re

import pytest
from django import forms
from django.http import QueryDict

from encodings_app.forms import EncodingFilterForm
from encodings_app.widgets import InlineSelect


def _same_markup(html: str) -> str:
    """Django's template puts line breaks between options; the browser ignores them."""
    return re.sub(r">\s+<", "><", html.strip())


class Both(forms.Form):
    plain = forms.ChoiceField(
        choices=[("", "Any"), ("a&b", 'Say "a" & <b>'), ("Group", [("g1", "One"), ("g2", "Two")])],
        required=False,
        help_text="Pick one",
    )
    inline = forms.ChoiceField(
        choices=[("", "Any"), ("a&b", 'Say "a" & <b>'), ("Group", [("g1", "One"), ("g2", "Two")])],
        required=False,
        help_text="Pick one",
        widget=InlineSelect(attrs={"class": "wide", "data-x": True, "hidden": False}),
    )


@pytest.mark.parametrize("chosen", ["", "a&b", "g2", "not a choice"])
def test_inline_select_writes_what_djangos_select_writes(chosen):
    form = Both({"plain": chosen, "inline": chosen})
    form.is_valid()
    form.fields["plain"].widget.attrs = {"class": "wide", "data-x": True, "hidden": False}

    django_markup = _same_markup(str(form["plain"])).replace("plain", "inline")

    assert _same_markup(str(form["inline"])) == django_markup


def test_the_lists_region_filter_keeps_its_choice_and_says_when_it_is_refused():
    chosen = EncodingFilterForm(QueryDict("region=AWS_EU_WEST_1"))
    assert '<option value="AWS_EU_WEST_1" selected>AWS_EU_WEST_1</option>' in str(chosen["region"])

    refused = EncodingFilterForm(QueryDict("region=%3Cscript%3E"))
    refused.is_valid()
    markup = str(refused["region"])
    assert 'aria-invalid="true"' in markup and "<script>" not in markup
