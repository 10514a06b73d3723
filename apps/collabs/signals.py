"""Signals the layers above collabs (chat, later features) listen to.

`collab_activity` is sent inside the service's transaction, so a listener that writes (the
chat's system messages) commits or rolls back together with the action itself.
kind is one of: created, settings_changed, member_added, member_joined (via=the invitation's
channel), member_removed, member_expired, member_left, role_changed, ownership_transferred.
Extra keyword arguments name the people involved.
"""

from django.dispatch import Signal

collab_activity = Signal()  # sender=Collab, collab, kind, actor, **details
