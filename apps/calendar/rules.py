"""Who may do what with a meeting, beyond the collab's settings for view / create / edit /
delete meetings (the feature's rights, enforced by the access layer):

- whoever may create meetings edits and cancels the meetings they organize;
- the collab's edit right edits and moves anyone's meeting, its delete right cancels it;
- every attendee answers their own invitation (RSVP), whatever the rights say.
"""

from django.core.exceptions import PermissionDenied

from apps.collabs import features
from apps.collabs.models import Collab
from apps.collabs.permissions import rights_of

VIEW = "calendar.view_meeting"
CREATE = "calendar.add_meeting"
EDIT = "calendar.change_meeting"
DELETE = "calendar.delete_meeting"


def level(collab: Collab, verb: str) -> str:
    return features.level_of(collab, "calendar", verb)


def may_edit(rights, user, meeting) -> bool:
    return EDIT in rights or (CREATE in rights and meeting.organizer_id == user.pk)


def may_cancel(rights, user, meeting) -> bool:
    return DELETE in rights or (CREATE in rights and meeting.organizer_id == user.pk)


def actions(rights, user, meeting) -> dict[str, bool]:
    """What the person may do with the meeting, for templates."""
    live = not meeting.is_cancelled
    return {
        "edit": live and may_edit(rights, user, meeting),
        "cancel": live and may_cancel(rights, user, meeting),
    }


def require_edit(user, collab, meeting) -> None:
    if not may_edit(rights_of(user, collab), user, meeting):
        raise PermissionDenied


def require_cancel(user, collab, meeting) -> None:
    if not may_cancel(rights_of(user, collab), user, meeting):
        raise PermissionDenied
