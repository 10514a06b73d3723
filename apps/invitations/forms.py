from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from apps.core.text import SingleLineField


class EmailInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    name = SingleLineField(label=_("Name (optional)"), max_length=150, required=False)


class PhoneInviteForm(forms.Form):
    phone = forms.CharField(label=_("Phone"), max_length=40)
    name = SingleLineField(label=_("Name (optional)"), max_length=150, required=False)


class LinkForm(forms.Form):
    days = forms.IntegerField(
        label=_("Works for (days, optional)"), min_value=1, max_value=365, required=False
    )
    max_uses = forms.IntegerField(
        label=_("Maximum uses (optional)"), min_value=1, max_value=10_000, required=False
    )


class GuestSignupForm(forms.Form):
    """A new guest's account: the email comes from the invitation (asked for by a link)."""

    email = forms.EmailField(label=_("Email"))
    full_name = SingleLineField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput, strip=False
    )

    def __init__(self, *args, ask_email: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_email:
            del self.fields["email"]

    def clean_email(self):
        from apps.accounts.models import User

        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("There is an account for this address already: sign in first.")
            )
        return email

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
