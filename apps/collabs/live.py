"""Live connections of the collab pages: revocation closes them at once.

The chat's event publisher (issue 3) fans collab events out to the same groups.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def collab_group(collab_id: int) -> str:
    return f"collab.{collab_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def revoke(user_id: int, collab_id: int | None = None) -> None:
    """Close the user's live connections: to one collab, or to all when collab_id is None.

    Sent through the channel layer, so it reaches sockets held by any server process.
    Call it on transaction commit.
    """
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(
        user_group(user_id), {"type": "access.revoked", "collab_id": collab_id}
    )
