/* The task page follows its task: when someone else changes it (the collab's "tasks" live
   event names the task), a notice offers to load the page again. It does not reload by
   itself, so nothing half-typed in a form here is lost; a deleted task says so. */
(function () {
  "use strict";
  var page = document.querySelector("[data-task-page]");
  if (!page || !window.collabLive) return;
  var id = Number(page.dataset.taskPage);
  var notice = page.querySelector("[data-task-changed]");
  var ownChange = false;
  // A form of this page sends the change: the event that comes back is ours.
  page.addEventListener("submit", function () { ownChange = true; });
  window.collabLive.on("message", function (frame) {
    if (!frame || frame.type !== "tasks" || Number(frame.task) !== id || ownChange) return;
    var text = frame.action === "deleted" ? notice.dataset.deletedLabel : notice.dataset.changedLabel;
    notice.querySelector("[data-task-changed-text]").textContent = text;
    notice.querySelector("a").hidden = frame.action === "deleted";
    notice.hidden = false;
  });
})();
