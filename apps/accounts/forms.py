from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.text import SingleLineField

from . import timezones
from .models import User


def validate_avatar(image) -> None:
    if image and image.size > settings.AVATAR_MAX_BYTES:
        raise ValidationError(
            _("The picture is too large (%(size)d KB); the limit is %(limit)d KB."),
            params={"size": image.size // 1024, "limit": settings.AVATAR_MAX_BYTES // 1024},
        )


class TimeZoneField(forms.ChoiceField):
    """The canonical time zones, labelled in the user's language (apps.accounts.timezones);
    a name saved before as an alias is taken as its canonical zone."""

    def __init__(self, **kwargs):
        super().__init__(choices=timezones.choices, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return timezones.canonical(value) or value


class ProfileForm(forms.ModelForm):
    timezone = TimeZoneField(label=_("Time zone"))
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["timezone"]
        # static/js/tzpicker.js adds a search box above the select with these words.
        field.widget.attrs.update(
            {
                "data-tz-picker": "",
                "data-tz-search-label": gettext("Find a time zone"),
                "data-tz-placeholder": gettext("City or GMT offset"),
            }
        )
        stored = self.instance.timezone if self.instance and self.instance.pk else ""
        if stored and stored not in timezones.canonical_zones():
            current = timezones.canonical(stored)
            if current:
                # An alias saved before shows as its canonical zone, and is saved as that.
                self.initial["timezone"] = current
            else:
                # A zone with no canonical one (e.g. "Etc/GMT-3"): kept for its owner.
                field.choices = [(stored, timezones.label(stored)), *field.choices]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)
