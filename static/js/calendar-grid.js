// The collab's calendar pages (templates/calendar/agenda|week|month.html) follow its meetings:
// on a "calendar" event of the page's socket (live.js hands each frame to the page as a
// "collab:event") the page is asked for again and its calendar part (#cal-view) replaced,
// debounced; the keyboard stays on the link it was on. Without JavaScript the page is the
// same, only not live.
(function () {
  "use strict";
  if (!document.querySelector("[data-cal-live]")) return;
  var timer = null;
  var loading = false;
  var again = false;

  function reload() {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var view = document.querySelector("[data-cal-live]");
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-cal-live]");
        if (!view || !fresh) return;
        var active = document.activeElement;
        var href = active && view.contains(active) ? active.getAttribute("href") : null;
        view.replaceWith(fresh);
        if (href) {
          var link = fresh.querySelector('a[href="' + CSS.escape(href) + '"]');
          if (link) link.focus();
        }
      })
      .catch(function () { /* the page stays as it was; the next event tries again */ })
      .then(function () {
        loading = false;
        if (again) {
          again = false;
          reload();
        }
      });
  }

  document.addEventListener("collab:event", function (event) {
    var data = event.detail;
    if (!data || data.type !== "calendar") return;
    clearTimeout(timer);
    timer = setTimeout(reload, 300);
  });
})();
