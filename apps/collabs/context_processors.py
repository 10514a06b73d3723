from .rail import unread_total_of


def unread(request) -> dict:
    """`nav_total`: the unread count of the top bar and the title, asked for (one query) only
    when a template shows it; pages that list the collabs anyway pass their own figure."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_total": lambda: unread_total_of(user)}


def topbar(request) -> dict:
    """The features' top-bar items and account-menu links (apps.collabs.topbar), worked out
    only when a template renders them."""
    from functools import partial

    from .topbar import items_for, menu_links_for

    return {
        "topbar_items": partial(items_for, request),
        "topbar_menu_links": partial(menu_links_for, request),
    }
