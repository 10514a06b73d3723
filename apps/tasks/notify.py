"""Who hears of what happens to a task, through the notification centre."""


def assigned(task, actor, user_ids) -> None:
    pass


def status_changed(task, actor, old: str) -> None:
    pass


def commented(task, actor, comment, mentioned_ids) -> None:
    pass


def overdue(task) -> None:
    pass
