"""The chat of a collab, in real browsers against the real server: two people talk live
(typing, Markdown, mentions, reactions, edits, deletions, replies), a page that lost the
network catches up by itself, read receipts, a phone, hostile input, and no JavaScript at all.

The server runs in its own process: on the in-memory channel layer live events reach only the
browsers, so the people and the collab are set up here and everything else is done by clicking.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.collabs import services
from tests.conftest import make_user

from .conftest import PHONE, assert_clean, no_horizontal_overflow, problems_of, sign_in

pytestmark = pytest.mark.e2e

OWNER_NAME = "Olga Owner"
GUEST_NAME = "Gleb Guest"

# Counts the "ready" frames of the chat socket (the end of each connect's catch-up), so a test
# can wait until a page is live instead of sleeping. It only listens; injected by the browser,
# outside the page's CSP, like the console watch.
_SOCKET_WATCH = """
(function () {
  var Native = window.WebSocket;
  if (!Native) return;
  window.__chatReady = 0;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener("message", function (event) {
        try {
          if (JSON.parse(event.data).type === "ready") window.__chatReady += 1;
        } catch (e) { /* not JSON */ }
      });
    }
  };
})();
"""


@pytest.fixture
def team(transactional_db):
    owner = make_user("olga@example.com", OWNER_NAME)
    guest = make_user("gleb@example.com", GUEST_NAME, kind=User.Kind.GUEST)
    collab = services.create_collab(owner, name="Website redesign", description="With the studio")
    services.add_member(collab, owner, guest)
    return {"owner": owner, "guest": guest, "collab": collab}


# --- helpers ------------------------------------------------------------------------------


def person(open_page, user, **options) -> Page:
    """A browser of one's own, signed in, watching its chat socket."""
    page = open_page(**options)
    page.add_init_script(_SOCKET_WATCH)
    sign_in(page, user)
    return page


def open_chat(page: Page, collab) -> None:
    page.goto(f"/collabs/{collab.pk}/")
    wait_live(page)


def wait_live(page: Page, connects: int = 1) -> None:
    """The chat socket of this page has connected (`connects` times) and caught up."""
    expect(page.get_by_role("textbox", name="Message")).to_be_visible()
    page.wait_for_function("n => window.__chatReady >= n", arg=connects)


def remember_page(page: Page) -> None:
    """Marks the loaded document; a reload would lose the mark."""
    page.evaluate("window.__sameDocument = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__sameDocument") is True, "the page was reloaded"


def send(page: Page, body: str) -> None:
    composer = page.get_by_role("textbox", name="Message")
    composer.fill(body)
    composer.press("Enter")
    expect(composer).to_have_value("")


def message(page: Page, text: str):
    return page.locator("#chat-log article").filter(has_text=text)


def open_menu(msg):
    """The page's one "⋯" menu, opened for this message (it opens inside the message)."""
    msg.get_by_label("Actions for the message by").click()
    return msg.get_by_role("menu")


# --- two people, live ---------------------------------------------------------------------


def test_two_people_chat_live(open_page, team):
    owner, guest, collab = team["owner"], team["guest"], team["collab"]
    a = person(open_page, owner)
    b = person(open_page, guest)
    open_chat(a, collab)
    open_chat(b, collab)
    remember_page(b)

    # A starts typing: B sees who.
    a.get_by_role("textbox", name="Message").press_sequentially("Please ")
    expect(b.locator("#typing")).to_have_text(f"{OWNER_NAME} is typing…")

    # A sends Markdown with a link and a mention of B (Enter sends).
    send(
        a,
        "Please check **the draft** at [the site](https://example.com/draft), @Gleb Guest",
    )
    sent = message(b, "Please check")
    expect(sent).to_have_count(1)
    expect(sent.locator(".msg-body strong")).to_have_text("the draft")
    expect(sent.get_by_role("link", name="the site")).to_have_attribute(
        "href", "https://example.com/draft"
    )
    expect(sent.locator(".mention")).to_have_text(f"@{GUEST_NAME}")
    expect(sent.locator(".mention")).to_have_attribute("data-user-id", str(guest.pk))
    expect(b.locator("#typing")).to_have_text("")  # the message ends the typing notice
    expect(message(a, "Please check")).to_have_count(1)
    message_id = sent.get_attribute("id")
    assert re.fullmatch(r"m\d+", message_id)

    # B reacts with a thumbs-up from the message menu; A sees the count.
    open_menu(sent).get_by_role("button", name="React with 👍").click()
    thumbs = message(a, "Please check").get_by_role("button", name="👍: 1 reaction")
    expect(thumbs).to_be_visible()
    expect(thumbs).to_have_attribute("aria-pressed", "false")  # not A's own reaction
    expect(sent.get_by_role("button", name="👍: 1 reaction")).to_have_attribute(
        "aria-pressed", "true"
    )

    # A edits it on the Edit page and comes back to the chat; B sees the change live. (The
    # menu's Edit edits in place, tests/e2e/test_chat_writing.py; its link is the page.)
    edit_link = open_menu(message(a, "Please check")).get_by_role("menuitem", name="Edit")
    a.goto(edit_link.get_attribute("href"))
    expect(a.get_by_role("heading", level=2, name="Edit message")).to_be_visible()
    a.get_by_role("textbox", name="Message").fill("Please check **the final draft**, @Gleb Guest")
    a.get_by_role("button", name="Save").click()
    expect(a).to_have_url(re.compile(rf"/collabs/{collab.pk}/\?message={message_id[1:]}"))
    wait_live(a)
    expect(a.locator(f"#{message_id}")).to_contain_text("the final draft")
    edited = b.locator(f"#{message_id}")
    expect(edited.locator(".msg-body strong")).to_have_text("the final draft")
    expect(edited.get_by_role("link", name="edited")).to_be_visible()
    expect(edited.get_by_role("button", name="👍: 1 reaction")).to_be_visible()  # kept

    # A deletes it (after confirming); both see the placeholder.
    a.once("dialog", lambda dialog: dialog.accept())
    open_menu(a.locator(f"#{message_id}")).get_by_role("menuitem", name="Delete").click()
    for page in (a, b):
        gone = page.locator(f"#{message_id}")
        expect(gone).to_contain_text("Message deleted")
        expect(gone).not_to_contain_text("final draft")
        expect(gone.get_by_label("Actions for the message by")).to_have_count(0)

    # B replies to A's next message; A sees the quote, and the quote leads to the original.
    send(a, "Where are the numbers for March?")
    question = message(b, "Where are the numbers")
    expect(question).to_have_count(1)
    question_id = question.get_attribute("id")
    open_menu(question).get_by_role("menuitem", name="Reply").click()
    expect(b.locator("#replying")).to_be_visible()
    expect(b.locator("#replying")).to_contain_text(f"Replying to {OWNER_NAME}")
    expect(b.get_by_role("textbox", name="Message")).to_be_focused()
    send(b, "In the appendix.")
    expect(b.locator("#replying")).to_be_hidden()

    answer = message(a, "In the appendix.")
    expect(answer).to_have_count(1)
    quote = answer.locator(".msg-quote")
    expect(quote).to_contain_text(OWNER_NAME)
    expect(quote).to_contain_text("Where are the numbers for March?")
    url_before = a.url
    quote.click()
    expect(a.locator(f"#{question_id}")).to_have_class(re.compile(r"\bis-target\b"))
    expect(a.locator(f"#{question_id}")).to_be_in_viewport()
    assert a.url == url_before  # a jump within the page, no navigation

    assert_not_reloaded(b)
    assert_clean(a)
    assert_clean(b)


class Network:
    """One person's network, as the chat socket sees it. Chromium's offline emulation only
    stalls an open WebSocket (it resumes afterwards, so nothing would need to reconnect); a real
    outage breaks it. So going offline here also cuts the open chat socket, through Playwright's
    WebSocket routing (the page still talks to the real server while connected)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.routes = []
        page.route_web_socket(re.compile(r"/ws/collabs/\d+/(\?.*)?$"), self._connect)

    def _connect(self, route) -> None:
        route.connect_to_server()
        self.routes.append(route)

    def go_offline(self) -> None:
        self.page.context.set_offline(True)
        for route in self.routes:
            route.close()
        self.routes.clear()

    def go_online(self) -> None:
        self.page.context.set_offline(False)


def test_a_page_that_lost_the_network_catches_up_by_itself(open_page, team):
    owner, guest, collab = team["owner"], team["guest"], team["collab"]
    a = person(open_page, owner)
    b = person(open_page, guest)
    # The browser reports the failed reconnects as console errors; they are expected here.
    problems_of(b).allow(r"WebSocket connection to .* failed")
    network = Network(b)
    open_chat(a, collab)
    open_chat(b, collab)
    remember_page(b)

    network.go_offline()
    expect(b.locator("#conn-state")).to_have_text("Reconnecting…")

    send(a, "First while you were away")
    send(a, "Second while you were away")
    expect(message(a, "while you were away")).to_have_count(2)

    network.go_online()
    wait_live(b, connects=2)
    expect(b.locator("#conn-state")).to_have_text("")
    expect(message(b, "First while you were away")).to_have_count(1)
    expect(message(b, "Second while you were away")).to_have_count(1)
    expect(b.locator("#chat-log article").last).to_contain_text("Second while you were away")
    # Live again: the next message arrives as usual.
    send(a, "Welcome back")
    expect(message(b, "Welcome back")).to_have_count(1)
    assert_not_reloaded(b)
    assert_clean(b)


def test_the_sender_sees_who_has_read_the_last_message(open_page, team):
    owner, guest, collab = team["owner"], team["guest"], team["collab"]
    a = person(open_page, owner)
    open_chat(a, collab)
    send(a, "Did everyone see the brief?")
    expect(message(a, "Did everyone see the brief?")).to_have_count(1)
    expect(a.locator("#seen-by")).to_have_text("")

    # B opens the chat: it opens at the bottom, so the last message is read.
    b = person(open_page, guest)
    open_chat(b, collab)
    expect(a.locator("#seen-by")).to_have_text(f"Seen by: {GUEST_NAME}")

    # A new message: B's open page shows it at the bottom, so it counts as read too.
    send(a, "And the budget?")
    expect(message(b, "And the budget?")).to_have_count(1)
    expect(a.locator("#seen-by")).to_have_text(f"Seen by: {GUEST_NAME}")
    # B's own page never lists B.
    expect(b.locator("#seen-by")).not_to_contain_text(GUEST_NAME)
    assert_clean(a)
    assert_clean(b)


def test_a_guest_chats_on_a_phone(open_page, team):
    guest, collab = team["guest"], team["collab"]
    width = PHONE["viewport"]["width"]
    page = person(open_page, guest, **PHONE)
    open_chat(page, collab)
    no_horizontal_overflow(page, width)

    page.get_by_role("textbox", name="Message").tap()
    page.get_by_role("textbox", name="Message").fill(
        "On my way, with a very-long-unbroken-word-that-should-wrap-somewhere-on-a-phone"
    )
    page.get_by_role("button", name="Send").tap()

    sent = message(page, "On my way")
    expect(sent).to_have_count(1)
    expect(sent).to_be_in_viewport()
    expect(page.get_by_role("textbox", name="Message")).to_have_value("")
    no_horizontal_overflow(page, width)
    # The message menu fits too when open.
    open_menu(sent)
    expect(sent.get_by_role("button", name="React with 👍")).to_be_visible()
    no_horizontal_overflow(page, width)
    assert_clean(page)


def test_hostile_markup_stays_text_in_the_readers_browser(open_page, team):
    owner, guest, collab = team["owner"], team["guest"], team["collab"]
    a = person(open_page, owner)
    b = person(open_page, guest)
    open_chat(a, collab)
    open_chat(b, collab)

    send(
        a,
        'Look <img src=x onerror="window.__xss=1"> and [x](javascript:window.__xss=1) '
        'and <a href="javascript:window.__xss=1">y</a>',
    )

    def check(page: Page) -> None:
        hostile = message(page, "Look")
        expect(hostile).to_have_count(1)
        body = hostile.locator(".msg-body")
        # What was typed is shown as text; nothing of it became an element.
        expect(body).to_contain_text('<img src=x onerror="window.__xss=1">')
        expect(body.locator("img")).to_have_count(0)
        expect(body.locator("[onerror]")).to_have_count(0)
        expect(body.locator("a[href^='javascript' i]")).to_have_count(0)
        # Clicking what was meant as links does nothing to the page.
        links = body.get_by_role("link")
        for i in range(links.count()):
            links.nth(i).click()
        body.click()
        assert page.evaluate("window.__xss") is None

    check(b)  # arrived over the socket
    b.reload()
    wait_live(b)
    check(b)  # rendered by the page
    assert a.evaluate("window.__xss") is None
    assert_clean(a)
    assert_clean(b)


def test_without_javascript_the_form_still_sends(open_page, team):
    guest, collab = team["guest"], team["collab"]
    page = open_page(java_script_enabled=False)
    sign_in(page, guest)
    page.goto(f"/collabs/{collab.pk}/")

    page.get_by_role("textbox", name="Message").fill("Sent the old-fashioned way")
    page.get_by_role("button", name="Send").click()

    expect(page).to_have_url(re.compile(rf"/collabs/{collab.pk}/\?message=\d+#m\d+$"))
    sent = message(page, "Sent the old-fashioned way")
    expect(sent).to_have_count(1)
    expect(sent.locator(".msg-author")).to_have_text(GUEST_NAME)
    expect(page.get_by_role("textbox", name="Message")).to_have_value("")
    assert_clean(page)


def test_a_change_made_while_the_page_was_connecting_still_shows(open_page, team):
    """The page is rendered, then its socket connects: an edit in between reaches it through
    the catch-up (the socket is held here so that the edit falls exactly in that gap)."""
    owner, guest, collab = team["owner"], team["guest"], team["collab"]
    a = person(open_page, owner)
    b = person(open_page, guest)
    open_chat(a, collab)
    send(a, "Meeting at 10")
    message_id = message(a, "Meeting at 10").get_attribute("id")

    held = {"frames": []}

    def hold(route) -> None:  # the page's socket, not yet connected to the server
        held["route"] = route
        route.on_message(lambda frame: held["frames"].append(frame))

    b.route_web_socket(re.compile(r"/ws/collabs/\d+/(\?.*)?$"), hold)
    b.goto(f"/collabs/{collab.pk}/")
    expect(b.locator(f"#{message_id}")).to_contain_text("Meeting at 10")
    expect(b.get_by_role("textbox", name="Message")).to_be_visible()

    # A edits the message now, before B's socket reaches the server.
    # (In place: the menu's Edit turns the text into a text box, Enter saves.)
    open_menu(a.locator(f"#{message_id}")).get_by_role("menuitem", name="Edit").click()
    editor = a.locator(f"#{message_id}").get_by_role("textbox", name="Edit the message")
    editor.fill("Meeting at 11")
    editor.press("Enter")
    expect(a.locator(f"#{message_id}")).to_contain_text("Meeting at 11")

    # B's socket goes through; what the page said while held is passed on.
    route = held["route"]
    server = route.connect_to_server()
    route.on_message(lambda frame: server.send(frame))
    for frame in held["frames"]:
        server.send(frame)
    wait_live(b)
    expect(b.locator(f"#{message_id}")).to_contain_text("Meeting at 11")
    expect(b.locator(f"#{message_id}").get_by_role("link", name="edited")).to_be_visible()


_FLOOD = """
(path) => new Promise((resolve) => {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const ws = new WebSocket(scheme + location.host + path);
  ws.onopen = () => {
    for (let i = 0; i < 20000 && ws.readyState === WebSocket.OPEN; i++) {
      ws.send('{"type": "ping"}');
    }
  };
  ws.onclose = (event) => resolve(event.code);
  // Without the guard inside Daphne nothing closes it: answer instead of waiting forever.
  setTimeout(() => resolve("still open"), 15000);
})
"""


def test_a_socket_flooding_the_server_is_closed_and_the_chat_goes_on(open_page, team):
    owner, guest, collab = team["owner"], team["guest"], team["collab"]
    a = person(open_page, owner)
    open_chat(a, collab)
    b = person(open_page, guest)
    open_chat(b, collab)

    # A script in B's page opens a socket of its own and sends frames as fast as it can.
    code = b.evaluate(_FLOOD, f"/ws/collabs/{collab.pk}/")

    assert code == 4429
    send(a, "Still calm here")
    expect(message(b, "Still calm here")).to_have_count(1)
    send(b, "Here too")
    expect(message(a, "Here too")).to_have_count(1)


def test_a_pushed_link_keeps_its_text_and_the_readers_token_goes_only_into_forms(open_page, team):
    """Issue 8, finding 7: a link someone wrote with the old CSRF marker in it stays as written
    (the partial holds no token at all now: its actions go through the page's one shared menu
    and form, whose token is the page's)."""
    owner, guest, collab = team["owner"], team["guest"], team["collab"]
    a = person(open_page, owner)
    b = person(open_page, guest)
    open_chat(a, collab)
    open_chat(b, collab)

    send(a, "Tokens here: [x](https://evil.example/?t=__csrf__)")

    pushed = message(b, "Tokens here")
    expect(pushed.get_by_role("link", name="x")).to_have_attribute(
        "href", "https://evil.example/?t=__csrf__"
    )
    # The shared menu works on the pushed message: reacting passes the CSRF check.
    open_menu(pushed).get_by_role("button", name="React with 👍").click()
    expect(message(a, "Tokens here").get_by_role("button", name="👍: 1 reaction")).to_be_visible()
    assert_clean(b)


def test_signing_out_in_one_tab_ends_the_live_chat_in_the_other(open_page, team):
    """Issue 8, finding 9: the socket of a session signed out of closes, and the tab that had
    it shows the sign-in page instead of receiving more messages."""
    owner, guest, collab = team["owner"], team["guest"], team["collab"]
    a = person(open_page, owner)
    b = person(open_page, guest)
    open_chat(a, collab)
    open_chat(b, collab)
    # Another tab of the same browser signs out (the same session).
    token = next(c["value"] for c in b.context.cookies() if c["name"] == "csrftoken")
    response = b.context.request.post(
        "/accounts/logout/", headers={"X-CSRFToken": token}, max_redirects=0
    )
    assert response.status == 302

    expect(b).to_have_url(re.compile(r"/accounts/login/"))
    send(a, "After the guest left")
    expect(b.get_by_text("After the guest left")).to_have_count(0)
