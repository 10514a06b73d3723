from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.core.text import SingleLineField

from .models import TIMEZONE_CHOICES, User


def validate_avatar(image) -> None:
    if image and image.size > settings.AVATAR_MAX_BYTES:
        raise ValidationError(
            _("The picture is too large (%(size)d KB); the limit is %(limit)d KB."),
            params={"size": image.size // 1024, "limit": settings.AVATAR_MAX_BYTES // 1024},
        )


class ProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONE_CHOICES)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("As the browser says")), *settings.LANGUAGES],
        required=False,
    )
    avatar = forms.ImageField(
        label=_("Avatar"), required=False, validators=[validate_avatar], widget=forms.FileInput
    )

    class Meta:
        model = User
        fields = ["full_name", "timezone", "language", "avatar", "email_mentions"]
        labels = {"full_name": _("Full name")}
        field_classes = {"full_name": SingleLineField}


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)
