"""The user's own settings: their password, and personal API tokens for the REST API, created (shown once)
and revoked."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, password_validation, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from encodings_app.models import AccountMembership, ApiToken, Membership
from encodings_app.services.accounts import account_password_change
from encodings_app.services.api_tokens import MAX_NAME_LENGTH, api_token_create, api_token_revoke
from encodings_app.views.common import render_page


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=MAX_NAME_LENGTH,
        label="Token name",
        help_text="What it is for, e.g. “nightly report” or “chat bot”.",
    )


class PasswordForm(PasswordChangeForm):
    """Django's form, with the validators of AUTH_PASSWORD_VALIDATORS. The current password is checked by
    signing in with it, so that wrong guesses count towards the same lockout as the login page (django-axes):
    a session left open somewhere is no faster a way to guess the password than the login form."""

    def __init__(self, user: Any, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        self.request = request
        super().__init__(user, *args, **kwargs)
        # One form among others on the page: focusing it would scroll past the rest on every visit.
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
        self.fields["old_password"].label = "Current password"
        self.fields["new_password2"].label = "New password again"
        # Plain sentences: the form's own help is an HTML list, which the page's help paragraph cannot hold.
        self.fields["new_password1"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )

    @sensitive_variables("old_password")
    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        signed_in = authenticate(self.request, username=self.user.get_username(), password=old_password)
        if signed_in is None or signed_in.pk != self.user.pk:
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


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
    return _render(request, token_form=form, new_token=new_token, status=status)


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
def password_change(request: HttpRequest) -> HttpResponse:
    """The account page's password form posts here; a GET (the lockout page's way back) goes to the form."""
    if request.method == "GET":
        return redirect(reverse("account") + "#password")
    form = PasswordForm(request.user, request.POST, request=request)
    if not form.is_valid():
        return _render(request, password_form=form, status=400)
    account_password_change(
        user=request.user, new_password=form.cleaned_data["new_password1"], request=request
    )
    update_session_auth_hash(request, request.user)
    messages.success(
        request,
        "Your password was changed. Anywhere else you were signed in, you are signed out; your API tokens "
        "keep working until you revoke them.",
    )
    return redirect("account")


@sensitive_variables("new_token", "context")
def _render(
    request: HttpRequest,
    *,
    token_form: ApiTokenForm | None = None,
    password_form: PasswordForm | None = None,
    new_token: str | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": token_form or ApiTokenForm(),
        "password_form": password_form or PasswordForm(request.user, request=request),
        "new_token": new_token,
        "tokens": ApiToken.objects.filter(user=request.user).order_by("revoked_at", "-created_at", "-pk"),
        "memberships": Membership.objects.filter(user=request.user)
        .select_related("organization")
        .order_by("organization__name"),
        "account_memberships": AccountMembership.objects.filter(user=request.user)
        .select_related("connection")
        .order_by("connection__name"),
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
