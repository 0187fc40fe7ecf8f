from __future__ import annotations

from allauth.account.views import LoginView, SignupView
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.authorizers import signed_in_required
from accounts.forms import INVITE_NOT_VALID, JoinForm, ProfileForm
from accounts.models import Membership
from accounts.services import InviteNotValid, invite_find_live, membership_join, membership_leave


class InviteAwareSignupView(SignupView):
    """allauth's sign-up, with the invite token from ?invite= carried into the form."""

    def get_initial(self):
        initial = super().get_initial()
        token = self.request.GET.get("invite", "")[:64]
        if token:
            initial["invite"] = token
        return initial

    def form_invalid(self, form):
        # A refused sign-up is a client error: say so in the status as well as on the form.
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class StatusAwareLoginView(LoginView):
    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


signup = InviteAwareSignupView.as_view()
login = StatusAwareLoginView.as_view()


@signed_in_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Your details are saved.")
            return redirect("accounts:profile")
        return render(request, "accounts/profile.html", {"form": form}, status=400)
    return render(request, "accounts/profile.html", {"form": form})


@signed_in_required
@require_GET
def my_groups(request: HttpRequest) -> HttpResponse:
    memberships = (
        Membership.objects.filter(athlete=request.user)
        .select_related("group", "group__coach")
        .order_by("group__name")
    )
    return render(request, "accounts/my_groups.html", {"memberships": memberships})


@signed_in_required
@require_POST
def leave_group(request: HttpRequest, group_id: int) -> HttpResponse:
    if not membership_leave(athlete=request.user, group_id=group_id):
        raise Http404("You are not a member of that group.")
    messages.success(request, "You have left the group. That coach can no longer see your data.")
    return redirect("accounts:my_groups")


JOIN_INCOMPLETE = "That join request was not complete, so nothing was changed. Please try again."


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invite link opens: sign up or log in to join, or join at once."""
    try:
        invite = invite_find_live(token)
    except InviteNotValid:
        return render(
            request, "accounts/join_invalid.html", {"message": INVITE_NOT_VALID}, status=404
        )
    group = invite.group
    already = (
        request.user.is_authenticated
        and Membership.objects.filter(group=group, athlete=request.user).exists()
    )
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{request.path}")
        form = JoinForm(request.POST)
        if not form.is_valid() or form.cleaned_data["token"] != token:
            # The page again, with a fresh form and the reason: nothing was changed.
            return _join_page(request, group, token, already, error=JOIN_INCOMPLETE, status=400)
        try:
            membership_join(athlete=request.user, token=token)
        except InviteNotValid as exc:
            messages.error(request, str(exc) or INVITE_NOT_VALID)
            return redirect("home")
        messages.success(
            request,
            f"You have joined {group.name}. "
            f"{group.coach.display_name} can now see your plan and pain logs.",
        )
        return redirect("home")
    return _join_page(request, group, token, already)


def _join_page(request, group, token: str, already: bool, *, error: str = "", status=200):
    context = {
        "group": group,
        "token": token,
        "already": already,
        "form": JoinForm(initial={"token": token}),
        "error": error,
    }
    return render(request, "accounts/join.html", context, status=status)
