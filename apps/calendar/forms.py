"""The meeting form: a day, from / to in a time zone (the person's by default) or all day,
place, call link, people of the collab, outside addresses, description. It parses and checks
what was typed; the services check it again and do the rest."""

from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from apps.accounts import timezones
from apps.core.zones import day_bounds, wall_time, zone_named

from . import services
from .models import MAX_DESCRIPTION, MAX_LOCATION, MAX_TITLE

_DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
_TIME = {"widget": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}


def person_label(person) -> str:
    name = person.full_name or person.email
    return _("%(name)s (guest)") % {"name": name} if person.is_guest else name


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    day = forms.DateField(label=_("Date"), input_formats=["%Y-%m-%d"], **_DATE)
    start_time = forms.TimeField(
        label=_("From"), required=False, input_formats=["%H:%M", "%H:%M:%S"], **_TIME
    )
    end_time = forms.TimeField(
        label=_("To"), required=False, input_formats=["%H:%M", "%H:%M:%S"], **_TIME
    )
    all_day = forms.BooleanField(label=_("All day"), required=False)
    end_day = forms.DateField(
        label=_("Last day"),
        required=False,
        input_formats=["%Y-%m-%d"],
        help_text=_("For an all-day event over several days."),
        **_DATE,
    )
    zone = forms.ChoiceField(label=_("Time zone"))
    location = forms.CharField(label=_("Place"), required=False, max_length=MAX_LOCATION)
    link = forms.CharField(
        label=_("Call link"),
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    attendees = forms.MultipleChoiceField(
        label=_("People of the collab"), required=False, widget=forms.CheckboxSelectMultiple
    )
    emails = forms.CharField(
        label=_("Outside email addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Separated by commas or new lines; they get the invitation by email."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown as in the chat; @name mentions someone."),
    )
    message = forms.CharField(required=False, widget=forms.HiddenInput)
    client_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    base_version = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    def __init__(self, *args, people=(), zones=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = [(str(p.pk), person_label(p)) for p in people]
        self.fields["zone"].choices = list(zones)
        if editing:
            del self.fields["message"]
            del self.fields["client_id"]
        else:
            del self.fields["base_version"]

    def clean(self):
        data = super().clean()
        day = data.get("day")
        if day is None or "zone" not in data:
            return data
        zone = zone_named(data["zone"])
        try:
            if data.get("all_day"):
                last = data.get("end_day") or day
                if last < day:
                    raise ValidationError(_("The last day is before the first."))
                # The days' first instants: where a zone skips midnight (Santiago, Havana), the
                # day begins at 01:00, and an all-day event has no time to refuse.
                data["start"] = day_bounds(day, zone)[0]
                data["end"] = day_bounds(last, zone)[1]
            else:
                start_time, end_time = data.get("start_time"), data.get("end_time")
                if start_time is None or end_time is None:
                    raise ValidationError(_("Give the time the meeting starts and ends."))
                data["start"] = wall_time(day, start_time, zone)
                end_day = day if end_time > start_time else day + timedelta(days=1)
                data["end"] = wall_time(end_day, end_time, zone)
            services.clean_times(data["start"], data["end"], all_day=bool(data.get("all_day")))
        except ValidationError as error:
            self.add_error("end_time", error)
        try:
            data["email_list"] = services.clean_emails(services.split_emails(data.get("emails")))
        except ValidationError as error:
            self.add_error("emails", error)
        return data


def initial_times(now: datetime, zone) -> dict:
    """The next whole hour, an hour long, in the person's zone."""
    local = now.astimezone(zone).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return {
        "day": local.date(),
        "start_time": local.time(),
        "end_time": (local + timedelta(hours=1)).time(),
    }


def zone_choices(selected: str) -> list[tuple[str, str]]:
    """The profile's time zones in the active language, with `selected` first when the list
    lacks it (an alias stored earlier), so a form never loses the zone it shows."""
    choices = list(timezones.choices(translation.get_language()))
    if selected and all(name != selected for name, _label in choices):
        choices.insert(0, (selected, selected))
    return choices
