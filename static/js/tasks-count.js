// The top bar's "My tasks" count follows the person's open tasks live: the page's socket
// (live.js) passes on {"type": "user.event", "kind": "tasks.open", "data": {"open": n}}
// (apps/tasks/services.py publishes it to the people whose count changed).
(function () {
  "use strict";
  var link = document.querySelector("[data-tasks-count]");
  if (!link || !window.collabLive) return;
  var badge = link.querySelector("[data-tasks-open]");
  var spoken = link.querySelector("[data-open-label]");
  window.collabLive.on("message", function (frame) {
    if (!frame || frame.type !== "user.event" || frame.kind !== "tasks.open") return;
    var n = Number(frame.data && frame.data.open);
    n = isFinite(n) && n > 0 ? Math.floor(n) : 0;
    badge.dataset.tasksOpen = String(n);
    badge.hidden = !n;
    badge.firstElementChild.textContent = String(n);
    if (spoken) spoken.textContent = spoken.dataset.openLabel.replace("{n}", String(n));
  });
})();
