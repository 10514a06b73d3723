"""The size of a frame a socket takes, on a real Daphne: up to 1 MiB (Daphne 4's
--websocket-max-frame-size and --websocket-max-message-size, which `make run`, `make cluster`
and the benches leave at their default) a frame is read, and one that is not a page's JSON gets
an error frame with the socket still open; a bigger one closes the socket with 1009 (message
too big; the browser may see 1006, the connection dropped while it still sends) before the
application sees any of it. A chat message is far below (apps.chat.models.MAX_BODY_LENGTH
characters)."""

from .conftest import sign_in_by_cookie
from .test_a11y import world  # noqa: F401 - a fixture

SEND = """([url, size]) => new Promise((resolve) => {
  const ws = new WebSocket(url);
  const got = [];
  ws.onopen = () => ws.send("x".repeat(size));
  ws.onmessage = (e) => {
    got.push(JSON.parse(e.data).type);
    if (got.includes("error")) { ws.close(); resolve({ code: null, got }); }
  };
  ws.onclose = (e) => resolve({ code: e.code, got });
  setTimeout(() => resolve({ code: "timeout", got }), 10000);
})"""


def test_a_frame_over_a_mebibyte_closes_the_socket_and_a_smaller_one_does_not(
    open_page,
    world,  # noqa: F811
):
    owner, collab = world["owner"], world["collab"]
    page = open_page()
    sign_in_by_cookie(page, owner)
    page.goto(f"/collabs/{collab.pk}/")
    url = page.evaluate("() => location.origin.replace(/^http/, 'ws')") + (
        f"/ws/collabs/{collab.pk}/"
    )

    small = page.evaluate(SEND, [url, 512 * 1024])
    assert small["code"] is None and "error" in small["got"]  # read, refused, still open

    # Autobahn fails the connection with 1009 and drops it while the browser is still
    # sending the frame, so the browser may report the close as abnormal (1006) instead.
    big = page.evaluate(SEND, [url, 1024 * 1024 + 1])
    assert big["code"] in (1006, 1009)
    assert "error" not in big["got"]  # the application never read it
