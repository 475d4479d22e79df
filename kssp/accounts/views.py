"""Sign-in, sign-out and the acting membership (issue #2 point 7).

Views parse input, call one service and render (ARCHITECTURE rule 1). Every sign-in, refused sign-in,
sign-out and membership switch is written to the audit trail by the accounts services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kssp.accounts import services
from kssp.accounts.actor import SESSION_KEY, acting_membership, actor_for
from kssp.accounts.forms import LoginForm, MembershipSwitchForm
from kssp.accounts.security import second_step_needed, stamp_signed_in
from kssp.accounts.views_security import start_second_step
from kssp.core.exceptions import NotFound
from kssp.core.policy import Actor
from kssp.core.web import Request


def _request_meta(request: HttpRequest) -> dict[str, Any]:
    return {
        "source": getattr(request, "source", "web"),
        "request_id": getattr(request, "request_id", None),
        "ip": getattr(request, "client_ip", None),
    }


class SignInView(LoginView):
    """Django's LoginView with AuthenticationForm; django-axes counts failures and locks by
    username + IP (its lockout page is ``accounts/locked_out.html``)."""

    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        if second_step_needed(user):
            # Not signed in yet: the session only remembers who owes the code (views_security).
            return start_second_step(self.request, user, self.get_success_url())
        response = super().form_valid(form)
        stamp_signed_in(self.request, verified=False)
        membership = acting_membership(self.request, user)
        if membership is not None:
            self.request.session[SESSION_KEY] = membership.pk
        services.login_record(
            actor=actor_for(user, membership, **_request_meta(self.request)), success=True, username=user.get_username()
        )
        return response

    def form_invalid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        username = str(form.data.get("username", "")).strip()[:150]
        if username:
            request = self.request
            actor = Actor(user=None, label=username, source="web", request_id=request.request_id,  # type: ignore[attr-defined]
                          ip=request.client_ip)  # type: ignore[attr-defined]
            services.login_record(actor=actor, success=False, username=username)
        return super().form_invalid(form)


@require_POST
def sign_out(request: Request) -> HttpResponse:
    """POST only, so that a link or an image cannot sign anyone out."""
    if request.user.is_authenticated:
        services.logout_record(actor=request.actor)
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:login")


@never_cache
def membership_list(request: Request) -> HttpResponse:
    """The memberships the user may act as today, with a button to switch (works without JavaScript)."""
    return render(request, "accounts/membership_list.html")


@require_POST
def membership_switch(request: Request) -> HttpResponse:
    form = MembershipSwitchForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        membership = services.membership_switch(
            actor=request.actor,
            user=request.user,  # type: ignore[arg-type]
            membership_public_id=form.cleaned_data["membership"],
        )
    except NotFound:
        raise Http404 from None
    request.session[SESSION_KEY] = membership.pk
    messages.success(
        request,
        _("You now act as %(role)s, %(unit)s (%(institution)s).")
        % {"role": membership.role.name, "unit": membership.unit.name, "institution": membership.unit.institution.name},
    )
    # Home, not the previous page: what the previous membership could see, this one may not.
    return redirect("home")
