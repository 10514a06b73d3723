/* A feature's form in a dialog on the chat page ("Create task", "Plan meeting", ...): the
   links marked data-behaviour="dialog" (a message's menu, the paperclip, the header, a tab)
   load the form into the dialog with htmx instead of leaving the chat. The form posts with
   htmx: 204 with the "dialog-done" trigger closes the dialog (what was made reaches the chat
   as a live message), 400 shows the form again with its errors. Without JavaScript, or
   without the dialog on the page, the links open the form's page. */
(function () {
  "use strict";
  var dialog = document.getElementById("feature-dialog");
  if (!dialog || !window.htmx) return;
  var body = document.getElementById("feature-dialog-body");
  var opener = null;

  function closeMenus(from) {
    var menu = from.closest("details[open]");
    if (menu) menu.removeAttribute("open");
  }

  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest('a[data-behaviour="dialog"]');
    if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    opener = link;
    closeMenus(link);
    body.innerHTML = "";
    htmx.ajax("GET", link.getAttribute("href"), { target: body, swap: "innerHTML" }).then(function () {
      if (!dialog.open) dialog.showModal();
      var first = body.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    });
  });

  dialog.addEventListener("click", function (e) {
    if (e.target.closest("[data-dialog-close]") || e.target === dialog) dialog.close();
  });
  dialog.addEventListener("close", function () {
    body.innerHTML = "";
    if (opener && document.contains(opener)) opener.focus();
    else {
      var composer = document.querySelector("#composer textarea");
      if (composer) composer.focus();
    }
  });
  // The form answered 204: what it makes is made.
  document.body.addEventListener("dialog-done", function () {
    if (dialog.open) dialog.close();
  });
  // htmx swaps 2xx only; the form's 400 (errors shown in it) goes in too.
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.target === body && e.detail.xhr.status === 400) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
})();
