"""A feature that exists only in the tests ("Board": cards made from chat messages). It plugs
into the core the way files, tasks and calendar will, by registering, and no core file names
it: its rights become settings and rules, its tab, message action, paperclip item and header
action appear for those with the right, its pages are mounted under /collabs/<id>/board/, and
its live event reaches only the readers who may view cards. Installed by tests/settings.py."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardConfig(AppConfig):
    name = "tests.board"
    label = "board"

    def ready(self) -> None:
        from apps.collabs import live
        from apps.collabs.features import Feature, FeatureRight, Item, register_feature
        from apps.collabs.models import Level

        register_feature(
            Feature(
                key="board",
                label=_("Board"),
                rights=(
                    FeatureRight("view", "board.view_card", _("who may view cards")),
                    FeatureRight("create", "board.add_card", _("who may make cards")),
                    FeatureRight("edit", "board.change_card", _("who may edit cards")),
                    FeatureRight(
                        "delete", "board.delete_card", _("who may delete cards"), Level.MODERATORS
                    ),
                ),
                tabs=(
                    Item(
                        "cards",
                        _("Cards"),
                        "board:cards",
                        "board.view_card",
                        refresh_on=("board.card",),
                    ),
                ),
                message_actions=(Item("card", _("Make a card"), "board:new", "board.add_card"),),
                composer_items=(Item("card", _("New card"), "board:new", "board.add_card"),),
                header_actions=(Item("card", _("New card"), "board:new", "board.add_card"),),
                urls="tests.board.urls",
            )
        )
        live.register_event("board.card", _card_frame, right="board.view_card")
        # A kind of notification, as tasks will register theirs (tests/notifications/demo.py).
        from tests.notifications import demo

        demo.register()


def _card_frame(event, reader, collab) -> dict:
    return {"type": "board.card", "title": event["data"]["title"]}
