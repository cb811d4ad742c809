"""The user's own settings: personal API tokens for the REST API, created (shown once) and revoked."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from encodings_app.models import ApiToken, Membership
from encodings_app.services.api_tokens import MAX_NAME_LENGTH, api_token_create, api_token_revoke
from encodings_app.views.common import render_page


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=MAX_NAME_LENGTH,
        label="Token name",
        help_text="What it is for, e.g. “nightly report” or “chat bot”.",
    )


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
@sensitive_variables("new_token", "context")
def account(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _row, new_token = api_token_create(
                user=request.user, name=form.cleaned_data["name"], request=request
            )
            form = ApiTokenForm()
        else:
            status = 400
    context = {
        "form": form,
        "new_token": new_token,
        "tokens": ApiToken.objects.filter(user=request.user).order_by("revoked_at", "-created_at", "-pk"),
        "memberships": Membership.objects.filter(user=request.user)
        .select_related("organization")
        .order_by("organization__name"),
    }
    response = render_page(request, "account/account.html", context, status=status)
    # The page may hold a token shown once: no cache, no back-button copy.
    add_never_cache_headers(response)
    return response


@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    row = api_token_revoke(user=request.user, token_id=token_id, request=request)
    if row is None:
        raise Http404("No such token")
    messages.success(request, f"Token “{row.name}” ({row.hint}) is revoked; requests with it now get 401.")
    return redirect("account")
