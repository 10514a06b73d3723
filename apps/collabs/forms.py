from django import forms
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.forms import validate_avatar
from apps.accounts.models import User
from apps.accounts.verification import unverified
from apps.core.text import SingleLineField

from .models import Collab, Membership, Role
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

    # Rows of the permissions table on the settings page: (label, [view, create, edit, delete]).
    SECTIONS = [
        (_("Tasks"), "tasks"),
        (_("Meetings"), "meetings"),
        (_("Files"), "files"),
    ]

    def permission_rows(self):
        for label, prefix in self.SECTIONS:
            yield (
                label,
                [self[f"{prefix}_{verb}_level"] for verb in ("view", "create", "edit", "delete")],
            )


class AddMemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Employee"), queryset=User.objects.none())

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
