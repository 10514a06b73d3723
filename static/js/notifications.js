// The top bar's bell (templates/notifications/_bell.html). Without this script it is a link to
// the notifications page. With it, a click opens the panel (the newest few, loaded by htmx
// from notifications:panel, "Mark all as read" inside it), and the badge follows the
// person's unread count live: the page's socket (live.js) passes on the server's
// {"type": "user.event", "kind": "notifications.unread", "data": {"unread": n}} frames
// (apps.collabs.live.publish_to_user), and an open panel is loaded again.
(function () {
  "use strict";
  var bell = document.querySelector("[data-bell]");
  if (!bell) return;
  var toggle = bell.querySelector("[data-bell-toggle]");
  var badge = bell.querySelector("[data-bell-count]");
  var panel = document.getElementById("bell-panel");
  var spoken = badge ? badge.querySelector("[data-unread-label]") : null;
  var template = spoken ? spoken.dataset.unreadLabel : "{n}";

  function num(value) {
    var n = Number(value);
    return isFinite(n) && n > 0 ? Math.floor(n) : 0;
  }

  function show(n) {
    if (!badge) return;
    badge.dataset.bellCount = String(n);
    badge.hidden = !n;
    badge.firstElementChild.textContent = String(n);
    if (spoken) spoken.textContent = template.replace("{n}", String(n));
  }

  function load() {
    if (window.htmx) {
      window.htmx.ajax("GET", bell.dataset.panelUrl, { target: panel, swap: "innerHTML" });
    }
  }

  function isOpen() { return !panel.hidden; }

  function open() {
    panel.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    load();
  }

  function close(focus) {
    if (!isOpen()) return;
    panel.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    if (focus) toggle.focus();
  }

  toggle.addEventListener("click", function (event) {
    if (!window.htmx) return; // no htmx: the link opens the notifications page
    event.preventDefault();
    if (isOpen()) close(false);
    else open();
  });
  document.addEventListener("click", function (event) {
    if (isOpen() && !bell.contains(event.target)) close(false);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen()) close(true);
  });
  // The panel says the count it was rendered with (after "Mark all as read" too).
  panel.addEventListener("htmx:afterSwap", function () {
    var inner = panel.querySelector("[data-unread]");
    if (inner) show(num(inner.dataset.unread));
  });

  if (window.collabLive) {
    window.collabLive.on("message", function (frame) {
      if (!frame || frame.type !== "user.event" || frame.kind !== "notifications.unread") return;
      show(num(frame.data && frame.data.unread));
      if (isOpen()) load();
    });
  }
})();
