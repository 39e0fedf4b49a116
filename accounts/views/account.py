import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from accounts.account import delete_account, export_account
from accounts.forms import SignupForm
from config.limits import limit_password_reset, limit_signup


@limit_signup
def signup(request):
    if request.user.is_authenticated:
        return redirect("archive:work_list")
    form = SignupForm(request.POST or None)
    if form.is_valid():
        reader = form.save()
        # The first backend is the one that signs readers in (the other only reads old sessions).
        login(request, reader, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, "Welcome! Choose below what you want to be asked about.")
        return redirect("accounts:preferences")
    return render(request, "accounts/signup.html", {"form": form})


class ConfirmPasswordForm(forms.Form):
    """Asks for the reader's current password before something that cannot be undone."""

    password = forms.CharField(
        label="Your current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, reader, **kwargs):
        super().__init__(*args, **kwargs)
        self.reader = reader

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.reader.check_password(password):
            raise forms.ValidationError("That is not your current password.")
        return password


@login_required
def account(request):
    return render(request, "accounts/account.html")


@login_required
@require_safe
def account_export(request):
    data = export_account(reader=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    filename = f"archive-export-{request.user.username}.json"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
def account_delete(request):
    # Only ever the signed-in reader: nothing in the request names whom to delete.
    form = ConfirmPasswordForm(request.POST or None, reader=request.user)
    if form.is_valid():
        username = request.user.username
        delete_account(reader=request.user)
        logout(request)
        messages.success(request, f"The account {username} and everything it kept are deleted.")
        return redirect("archive:work_list")
    return render(request, "accounts/account_delete.html", {"form": form})


# Django's own password views, pointed at this app's namespaced routes.
password_change = auth_views.PasswordChangeView.as_view(
    success_url=reverse_lazy("accounts:password_change_done")
)
password_change_done = auth_views.PasswordChangeDoneView.as_view()
password_reset = limit_password_reset(
    auth_views.PasswordResetView.as_view(
        success_url=reverse_lazy("accounts:password_reset_done"),
        email_template_name="registration/password_reset_email.html",
        subject_template_name="registration/password_reset_subject.txt",
    )
)
password_reset_done = auth_views.PasswordResetDoneView.as_view()
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    success_url=reverse_lazy("accounts:password_reset_complete")
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()
