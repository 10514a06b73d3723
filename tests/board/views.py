"""The board's pages: the cards tab and "make a card" (from a message, or blank)."""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse

from apps.chat.access import visible_messages
from apps.collabs import live
from apps.collabs.frame import render_frame, render_tab
from apps.collabs.models import Membership
from apps.collabs.permissions import can, get_collab_for, require
from apps.core.inputs import parse_id
from apps.notifications.services import notify
from tests.notifications import demo


@login_required
def cards(request, collab_id: int):
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "board.view_card", collab)
    return render_tab(request, collab, "cards", "board/_cards.html", {}, title="Cards")


@login_required
def new_card(request, collab_id: int):
    collab = get_collab_for(request.user, collab_id)
    require(request.user, "board.add_card", collab)
    if request.method == "POST":
        # Nothing stored: the card exists as the live event it sends, and the notification of
        # those who may view cards.
        title = request.POST.get("title", "")[:100]
        with transaction.atomic():
            live.publish(collab.pk, "board.card", {"title": title})
            viewers = [
                m.user
                for m in Membership.objects.active().filter(collab=collab).select_related("user")
                if can(m.user, "board.view_card", collab)
            ]
            notify(
                viewers,
                demo.CARD,
                collab=collab,
                actor=request.user,
                data={"actor": request.user.full_name, "title": title},
                url=reverse("board:cards", args=[collab.pk]),
            )
        return redirect("board:cards", collab_id=collab.pk)
    message_id = parse_id(request.GET.get("message"))
    message = (
        visible_messages(request.user, collab).filter(pk=message_id).first() if message_id else None
    )
    return render_frame(request, "board/new.html", collab, {"message": message})
