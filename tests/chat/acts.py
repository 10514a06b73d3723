"""Doing things as the other members do them (the page's form, another tab), from an async
test: the services, each in the database thread."""

from channels.db import database_sync_to_async

from apps.chat import services as chat
from apps.collabs import services as collabs
from tests.conftest import make_user

post = database_sync_to_async(
    lambda collab, user, body, **kw: chat.send_message(collab, user, body, **kw)
)
edit = database_sync_to_async(chat.edit_message)
delete = database_sync_to_async(chat.delete_message)
react = database_sync_to_async(chat.toggle_reaction)
pin = database_sync_to_async(chat.set_pinned)
change_settings = database_sync_to_async(collabs.change_settings)
add_member = database_sync_to_async(collabs.add_member)
remove_member = database_sync_to_async(collabs.remove_member)
new_user = database_sync_to_async(make_user)
