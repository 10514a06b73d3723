"""The task forms: the quick one (title, responsible, deadline) and the whole one. They parse
and check what was typed; the services do the rest (and check it again)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import deadlines
from .models import MAX_DESCRIPTION, MAX_TITLE, Priority, Status


def _label(person) -> str:
    name = person.full_name or person.email
    return _("%(name)s (guest)") % {"name": name} if person.is_guest else name


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    responsible = forms.ChoiceField(label=_("Responsible person"))
    deadline_date = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )
    deadline_time = forms.TimeField(
        label=_("Time"),
        required=False,
        help_text=_("18:00 when empty, in your time zone."),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        input_formats=["%H:%M", "%H:%M:%S"],
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Markdown as in the chat; @name mentions someone."),
    )
    coassignees = forms.MultipleChoiceField(
        label=_("Co-assignees"), required=False, widget=forms.CheckboxSelectMultiple
    )
    observers = forms.MultipleChoiceField(
        label=_("Observers"), required=False, widget=forms.CheckboxSelectMultiple
    )
    checklist = forms.CharField(
        label=_("Checklist"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One item per line."),
    )
    message = forms.CharField(required=False, widget=forms.HiddenInput)
    client_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    base_version = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    def __init__(self, *args, people=(), user=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        choices = [(str(p.pk), _label(p)) for p in people]
        self.fields["responsible"].choices = choices
        self.fields["coassignees"].choices = choices
        self.fields["observers"].choices = choices
        if editing:
            del self.fields["checklist"]
            del self.fields["message"]
            del self.fields["client_id"]
        else:
            del self.fields["base_version"]

    def clean(self):
        data = super().clean()
        try:
            data["deadline"] = deadlines.combine(
                data.get("deadline_date"), data.get("deadline_time"), deadlines.zone_of(self.user)
            )
        except ValidationError as error:
            self.add_error("deadline_time", error)
        both = set(data.get("coassignees") or ()) & set(data.get("observers") or ())
        if both:
            self.add_error("observers", _("A person is either a co-assignee or an observer."))
        return data

    def checklist_items(self) -> list[str]:
        return [line.strip() for line in (self.cleaned_data.get("checklist") or "").splitlines()]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=pgettext_lazy("task", "Status"), choices=Status.choices)


class FilterForm(forms.Form):
    """The list's filters, from the query string; anything unknown is ignored."""

    DUE = (
        ("", _("Any deadline")),
        ("overdue", _("Overdue")),
        ("today", _("Due today")),
        ("week", _("Due in 7 days")),
        ("none", _("No deadline")),
    )
    SORTS = (
        ("deadline", _("By deadline")),
        ("created", _("Newest first")),
        ("priority", _("By priority")),
    )
    STATUSES = (
        ("", _("Any status")),
        ("open", pgettext_lazy("tasks that are not done", "Open")),
        *Status.choices,
    )

    responsible = forms.ChoiceField(label=_("Responsible person"), required=False)
    status = forms.ChoiceField(
        label=pgettext_lazy("task", "Status"), choices=STATUSES, required=False
    )
    due = forms.ChoiceField(label=_("Deadline"), choices=DUE, required=False)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORTS, required=False)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            *((str(p.pk), _label(p)) for p in people),
        ]
