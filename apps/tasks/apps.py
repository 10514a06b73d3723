from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "apps.tasks"
    label = "tasks"
    verbose_name = _("Tasks")

    def ready(self) -> None:
        from apps.chat.attachments import AttachmentKind, register_kind
        from apps.collabs import live
        from apps.collabs.features import Feature, FeatureRight, Item, register_feature
        from apps.collabs.models import Level

        from .rules import CREATE, DELETE, EDIT, VIEW

        # Everyone in the collab (guests included) sees and creates tasks; editing anyone's
        # task is for the collab's employees, deleting for the owner and moderators. A
        # task's creator edits it, its people move it along (rules.py).
        register_feature(
            Feature(
                key="tasks",
                label=_("Tasks"),
                rights=(
                    FeatureRight("view", VIEW, _("who may view tasks")),
                    FeatureRight("create", CREATE, _("who may create tasks")),
                    FeatureRight("edit", EDIT, _("who may edit tasks"), Level.EMPLOYEES),
                    FeatureRight("delete", DELETE, _("who may delete tasks"), Level.MODERATORS),
                ),
                tabs=(Item("tasks", _("Tasks"), "tasks:tab", right=VIEW, refresh_on=("tasks",)),),
                message_actions=(
                    Item(
                        "task",
                        _("Create task"),
                        "tasks:create",
                        right=CREATE,
                        behaviour="dialog",
                    ),
                ),
                composer_items=(
                    Item(
                        "task",
                        _("Create task"),
                        "tasks:create",
                        right=CREATE,
                        behaviour="dialog",
                    ),
                ),
                header_actions=(
                    Item("tasks", _("Tasks"), "tasks:list", right=VIEW),
                    Item(
                        "new_task",
                        _("Create task"),
                        "tasks:create",
                        right=CREATE,
                        behaviour="dialog",
                    ),
                ),
                urls="apps.tasks.urls",
                # "My tasks" across the person's collabs, at /tasks/ (namespace my_tasks).
                site_urls="apps.tasks.site_urls",
            )
        )
        # The task's card under the chat's "created" sentence and under the message a task
        # was made from, kept current as the task moves.
        register_kind(AttachmentKind("task", "tasks/_card.html", right=VIEW))
        # Open sidebars, boards and lists follow the collab's tasks.
        live.register_event("tasks", _tasks_frame, right=VIEW)
        from . import notification_kinds, receivers, search  # noqa: F401

        notification_kinds.register()
        # "My tasks" in the top bar, with the count of my open tasks (one pair of queries,
        # made only when the top bar is rendered).
        from apps.collabs.topbar import register_topbar_item

        register_topbar_item("tasks", "tasks/_topbar.html", context=_topbar, order=20)
        # The SQLite function task search stems with (search.py); nothing on PostgreSQL.
        search.install()


def _tasks_frame(event, reader, collab) -> dict:
    data = event["data"]
    return {
        "type": "tasks",
        "action": data.get("action"),
        "task": data.get("task"),
        "status": data.get("status"),
    }


def _topbar(request) -> dict:
    from .mine import open_count

    return {"open": lambda: open_count(request.user)}
