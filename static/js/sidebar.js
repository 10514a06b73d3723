// The collab page's sidebar (collabs/_sidebar.html): tabs loaded on demand, kept live, and a
// drawer on a phone. Without this script each tab is a plain link to a page of its own.
(function () {
  "use strict";
  var sidebar = document.getElementById("collab-sidebar");
  if (!sidebar) return;
  var tabs = Array.prototype.slice.call(sidebar.querySelectorAll("[data-tab]"));
  var panels = {};
  sidebar.querySelectorAll("[data-tab-panel]").forEach(function (panel) {
    panels[panel.dataset.tabPanel] = panel;
  });
  var opener = document.querySelector("[data-drawer-open]");
  var backdrop = document.querySelector(".drawer-backdrop");
  var current = null;
  var timers = {};
  var STORE = "collab-sidebar-tab";

  // A drawer on a narrow screen: hidden until opened. Wide: always in view.
  var narrow = window.matchMedia("(max-width: 1099px)");
  function visible() {
    return !narrow.matches || sidebar.classList.contains("is-open");
  }

  function load(panel) {
    panel.dataset.stale = "";
    panel.setAttribute("aria-busy", "true");
    return window.htmx
      .ajax("GET", panel.dataset.url, { target: panel, swap: "innerHTML" })
      .then(function () {
        panel.dataset.loaded = "1";
        panel.setAttribute("aria-busy", "false");
      });
  }

  function show(key) {
    var panel = panels[key];
    if (!panel) return;
    current = key;
    tabs.forEach(function (tab) {
      var on = tab.dataset.tab === key;
      tab.classList.toggle("is-current", on);
      if (on) tab.setAttribute("aria-current", "true");
      else tab.removeAttribute("aria-current");
    });
    Object.keys(panels).forEach(function (k) { panels[k].hidden = k !== key; });
    try { sessionStorage.setItem(STORE, key); } catch (e) { /* private mode */ }
    if (visible() && (!panel.dataset.loaded || panel.dataset.stale)) load(panel);
  }

  tabs.forEach(function (tab) {
    tab.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      show(tab.dataset.tab);
    });
  });

  // Live: a tab that names an event kind loads again when one arrives (a burst once). A tab
  // out of sight is only marked, and loads when it is shown.
  document.addEventListener("collab:event", function (event) {
    var data = event.detail;
    if (data.type === "presence") {
      // Who came online or went, each at their last state (the server merges a second's news).
      (Array.isArray(data.people) ? data.people : []).forEach(function (person) {
        document.querySelectorAll('[data-presence-user="' + Number(person.user_id) + '"]').forEach(function (el) {
          el.dataset.online = person.online ? "1" : "0";
        });
      });
      return;
    }
    if (data.type === "members") {
      var count = document.getElementById("member-count");
      if (count && typeof data.count === "number") {
        var template = document.createElement("template");
        template.innerHTML = data.html;
        if (template.content.firstElementChild) count.replaceWith(template.content.firstElementChild);
      }
    }
    Object.keys(panels).forEach(function (key) {
      var panel = panels[key];
      if (!panel.dataset.loaded) return;
      if ((" " + panel.dataset.refreshOn + " ").indexOf(" " + data.type + " ") < 0) return;
      if (key !== current || !visible()) {
        panel.dataset.stale = "1";
        return;
      }
      clearTimeout(timers[key]);
      timers[key] = setTimeout(function () { load(panel); }, 300);
    });
  });

  // The drawer.
  function openDrawer() {
    sidebar.classList.add("is-open");
    if (backdrop) backdrop.hidden = false;
    if (opener) opener.setAttribute("aria-expanded", "true");
    show(current);
    var first = sidebar.querySelector("button, a[href]");
    if (first) first.focus();
  }
  function closeDrawer() {
    if (!sidebar.classList.contains("is-open")) return;
    sidebar.classList.remove("is-open");
    if (backdrop) backdrop.hidden = true;
    if (opener) {
      opener.setAttribute("aria-expanded", "false");
      opener.focus();
    }
  }
  if (opener) opener.addEventListener("click", function () {
    if (sidebar.classList.contains("is-open")) closeDrawer();
    else openDrawer();
  });
  document.querySelectorAll("[data-drawer-close]").forEach(function (el) {
    el.addEventListener("click", closeDrawer);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeDrawer();
  });
  narrow.addEventListener("change", function () {
    if (!narrow.matches) closeDrawer();
    show(current);
  });

  // The tab of the page itself (a tab opened as a page), else the one last chosen, else the first.
  var saved = null;
  try { saved = sessionStorage.getItem(STORE); } catch (e) { /* private mode */ }
  var initial = tabs.filter(function (tab) { return tab.classList.contains("is-current"); })[0];
  show(initial ? initial.dataset.tab : panels[saved] ? saved : tabs.length ? tabs[0].dataset.tab : null);
})();
