// The task board (templates/tasks/board.html): drag and drop between and within columns
// (SortableJS, static/vendor/sortable.min.js), the status selects submitting on change, and
// live reloads of the columns when the collab's tasks change.
//
// - A drop posts to the card's data-move-url (tasks:move) its new status and its neighbours
//   (before: the card below it, after: the card above it); 204 keeps it there, anything else
//   puts it back where it was and says why (403: the person may not move it).
// - A card's status select posts to its form's action (tasks:status) with fetch, then the
//   columns load again; without JavaScript the form's "Move" button does the same by a page.
// - A "tasks" event on the page's socket (live.js) loads the columns again, debounced; never
//   in the middle of a drag (after it ends instead).
(function () {
  "use strict";
  var page = document.querySelector(".tasks-board[data-board-url]");
  if (!page) return;
  var alertBox = page.querySelector(".board-alert");
  var statusBox = page.querySelector(".board-status");
  var sortables = [];
  var dragging = false;
  var pending = false;
  var timer = null;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function showError(text) {
    if (!alertBox) return;
    alertBox.textContent = text;
    alertBox.hidden = false;
    clearTimeout(showError.timer);
    showError.timer = setTimeout(function () { alertBox.hidden = true; }, 8000);
  }

  function say(text) {
    if (statusBox) statusBox.textContent = text;
  }

  function columnLabel(status) {
    var head = document.getElementById("col-" + status);
    return head ? head.firstChild.textContent.trim() : status;
  }

  function post(url, fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (key) { body.append(key, fields[key]); });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
    });
  }

  function failure(response) {
    if (response && response.status === 403) return page.dataset.deniedLabel;
    return page.dataset.errorLabel;
  }

  function cardId(el) {
    return el && el.dataset ? el.dataset.task || "" : "";
  }

  function counts() {
    page.querySelectorAll(".board-column").forEach(function (column) {
      var n = column.querySelectorAll(".board-card").length;
      var badge = column.querySelector(".board-count");
      if (badge) badge.textContent = String(n);
      var empty = column.querySelector(".board-empty");
      if (empty) empty.hidden = n > 0;
    });
  }

  // Put a card back where it was before the drop.
  function revert(card, from, oldIndex) {
    var ref = from.children[oldIndex] || null;
    if (ref === card) return;
    from.insertBefore(card, ref);
    counts();
  }

  function onEnd(event) {
    dragging = false;
    var card = event.item;
    var to = event.to;
    var from = event.from;
    if (to === from && event.oldIndex === event.newIndex) {
      flush();
      return;
    }
    var status = to.dataset.status;
    var above = card.previousElementSibling;
    var below = card.nextElementSibling;
    var select = card.querySelector("select[name=status]");
    post(card.dataset.moveUrl, { status: status, after: cardId(above), before: cardId(below) })
      .then(function (response) {
        if (!response.ok) {
          revert(card, from, event.oldIndex);
          showError(failure(response));
          return;
        }
        if (select) select.value = status;
        counts();
        say(page.dataset.movedLabel.replace("{status}", columnLabel(status)));
      })
      .catch(function () {
        revert(card, from, event.oldIndex);
        showError(page.dataset.errorLabel);
      })
      .then(flush);
  }

  function setUp() {
    sortables.forEach(function (s) { s.destroy(); });
    sortables = [];
    if (!window.Sortable) return;
    page.querySelectorAll(".board-cards").forEach(function (list) {
      sortables.push(
        window.Sortable.create(list, {
          group: "tasks",
          draggable: ".board-card.is-movable",
          // The select and the links stay clickable; a drag starts elsewhere on the card.
          filter: "select, button, option",
          preventOnFilter: false,
          animation: 150,
          delay: 150,
          delayOnTouchOnly: true,
          ghostClass: "is-ghost",
          chosenClass: "is-chosen",
          onStart: function () { dragging = true; },
          onEnd: onEnd,
        })
      );
    });
    counts();
  }

  // Load the columns again (the same partial the page has), keeping focus on the select the
  // person was using, if its card is still there.
  function reload() {
    if (dragging) {
      pending = true;
      return;
    }
    var active = document.activeElement;
    var focusId = active && active.id && page.contains(active) ? active.id : "";
    fetch(page.dataset.boardUrl, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null || dragging) return;
        var current = document.getElementById("board-columns");
        var template = document.createElement("template");
        template.innerHTML = html;
        var fresh = template.content.querySelector("#board-columns");
        if (!current || !fresh) return;
        current.replaceWith(fresh);
        setUp();
        if (focusId) {
          var again = document.getElementById(focusId);
          if (again) again.focus();
        }
      })
      .catch(function () {});
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(reload, 400);
  }

  function flush() {
    if (pending) {
      pending = false;
      schedule();
    }
  }

  // The status select: posts on change (the "Move" button is for pages without JavaScript).
  page.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select.board-card-status")) return;
    var form = select.form;
    var card = select.closest(".board-card");
    var before = card ? card.closest(".board-cards").dataset.status : "";
    post(form.action, { status: select.value })
      .then(function (response) {
        if (!response.ok) {
          select.value = before;
          showError(failure(response));
          return;
        }
        say(page.dataset.movedLabel.replace("{status}", columnLabel(select.value)));
        reload();
      })
      .catch(function () {
        select.value = before;
        showError(page.dataset.errorLabel);
      });
  });

  if (window.collabLive) {
    window.collabLive.on("message", function (data) {
      if (data && data.type === "tasks") schedule();
    });
  }
  setUp();
})();
