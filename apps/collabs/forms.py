from django import forms
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.forms import validate_avatar
from apps.accounts.models import User
from apps.accounts.verification import unverified
from apps.core.text import SingleLineField

from . import features
from .models import Collab, Level, Membership, Role
from .services import SETTINGS_FIELDS


class CollabForm(forms.ModelForm):
    avatar = forms.ImageField(
        label=_("Avatar"), required=False, validators=[validate_avatar], widget=forms.FileInput
    )

    class Meta:
        model = Collab
        fields = ["name", "description", "avatar"]
        labels = {"name": _("Name"), "description": _("Description")}
        field_classes = {"name": SingleLineField}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class CollabSettingsForm(forms.ModelForm):
    class Meta:
        model = Collab
        fields = ["name", "description", *SETTINGS_FIELDS]
        labels = {"name": _("Name"), "description": _("Description")}
        field_classes = {"name": SingleLineField}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    avatar = forms.ImageField(
        label=_("Avatar"), required=False, validators=[validate_avatar], widget=forms.FileInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One choice per right of each installed feature, as stored for this collab.
        levels = features.levels_of(self.instance) if self.instance.pk else {}
        for feature in features.features():
            for right in feature.rights:
                self.fields[self.feature_field(feature.key, right.verb)] = forms.ChoiceField(
                    label=right.label,
                    choices=Level.choices,
                    initial=levels.get(feature.key, {}).get(right.verb, right.default),
                )

    @staticmethod
    def feature_field(key: str, verb: str) -> str:
        return f"feature__{key}__{verb}"

    def permission_rows(self):
        """Rows of the permissions table on the settings page, one per installed feature:
        (label, [its view, create, edit and delete choices; None where it has no such right])."""
        return [
            (
                feature.label,
                [
                    self[self.feature_field(feature.key, verb)] if feature.right(verb) else None
                    for verb in features.VERBS
                ],
            )
            for feature in features.features()
            if feature.rights
        ]

    def feature_levels(self) -> dict[str, dict[str, str]]:
        """The chosen levels, {feature: {verb: level}} (after is_valid())."""
        return {
            feature.key: {
                right.verb: self.cleaned_data[self.feature_field(feature.key, right.verb)]
                for right in feature.rights
            }
            for feature in features.features()
            if feature.rights
        }


class AddMemberForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Employee"), queryset=User.objects.none(), empty_label=_("Choose an employee…")
    )

    # Shown in the picker at most; a search narrows the directory down.
    PICKER_SIZE = 200

    def __init__(self, *args, collab: Collab, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # The employee directory, less the people already in the collab.
        directory = (
            User.objects.filter(kind=User.Kind.EMPLOYEE, is_active=True)
            # One subquery: a plain exclude() over memberships could match two different rows
            # (left this collab, active in another) and wrongly leave the person out.
            .exclude(pk__in=Membership.objects.active().filter(collab=collab).values("user_id"))
            .annotate(email_unverified=unverified())
            .order_by("full_name", "email")
        )
        self.fields["user"].queryset = directory
        search = search.strip()[:100]
        if search and not self.is_bound:
            # Only the choices offered are narrowed; a POST validates against the directory.
            self.fields["user"].queryset = directory.filter(
                Q(full_name__icontains=search) | Q(email__icontains=search)
            )[: self.PICKER_SIZE]
        elif not self.is_bound:
            self.fields["user"].queryset = directory[: self.PICKER_SIZE]
        self.fields["user"].label_from_instance = _picker_label


def _picker_label(user: User) -> str:
    """The picker shows "Name <address>"; an address not proven says so."""
    if getattr(user, "email_unverified", False):
        return gettext("%(name)s <%(email)s> (unverified)") % {
            "name": user.full_name,
            "email": user.email,
        }
    return f"{user.full_name} <{user.email}>"


class ExpiryForm(forms.Form):
    until = forms.DateField(label=_("Access until"), required=False)


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Role.MODERATOR, Role.MODERATOR.label), (Role.MEMBER, Role.MEMBER.label)],
    )


class TransferForm(forms.Form):
    new_owner = forms.ModelChoiceField(label=_("New owner"), queryset=User.objects.none())

    def __init__(self, *args, collab: Collab, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_owner"].queryset = (
            User.objects.filter(
                kind=User.Kind.EMPLOYEE,
                is_active=True,
                memberships__collab=collab,
                memberships__left_at__isnull=True,
            )
            .exclude(pk=actor.pk)
            .order_by("full_name")
        )
