/* Pictures sent in the chat open in a viewer on the page (a modal dialog): the full image
   fitted to the screen, its name, a download link, the previous and next pictures of the
   chat (arrow keys or buttons), Escape or the close button to go back where you were.
   Without this script the thumbnail is a link to the picture itself. */
(function () {
  "use strict";

  var script = document.currentScript;
  var log = document.getElementById("chat-log");
  if (!script || !log) return;
  var cfg = script.dataset;
  var dialog = null;
  var picture, caption, download, previous, next;
  var current = null;

  function button(cls, label, text) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-icon " + cls;
    b.setAttribute("aria-label", label);
    b.title = label;
    b.textContent = text;
    return b;
  }

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "picture-viewer";
    dialog.setAttribute("aria-label", cfg.viewerLabel);
    var bar = document.createElement("div");
    bar.className = "picture-viewer-bar";
    caption = document.createElement("span");
    caption.className = "picture-viewer-name";
    download = document.createElement("a");
    download.className = "btn btn-small";
    download.textContent = cfg.downloadLabel;
    download.setAttribute("download", "");
    var close = button("picture-viewer-close", cfg.closeLabel, "×");
    close.addEventListener("click", function () { dialog.close(); });
    bar.append(caption, download, close);
    var stage = document.createElement("div");
    stage.className = "picture-viewer-stage";
    previous = button("picture-viewer-prev", cfg.previousLabel, "‹");
    next = button("picture-viewer-next", cfg.nextLabel, "›");
    picture = document.createElement("img");
    picture.className = "picture-viewer-img";
    picture.alt = "";
    stage.append(previous, picture, next);
    dialog.append(bar, stage);
    previous.addEventListener("click", function () { step(-1); });
    next.addEventListener("click", function () { step(1); });
    dialog.addEventListener("keydown", function (e) {
      if (e.key === "ArrowLeft") { e.preventDefault(); step(-1); }
      if (e.key === "ArrowRight") { e.preventDefault(); step(1); }
    });
    // A click on the dark around the picture closes it, as in other viewers.
    dialog.addEventListener("click", function (e) {
      if (e.target === dialog || e.target === stage) dialog.close();
    });
    dialog.addEventListener("close", function () {
      picture.removeAttribute("src");
      if (current && document.contains(current)) current.focus();
    });
    document.body.appendChild(dialog);
  }

  function all() {
    return Array.prototype.slice.call(log.querySelectorAll("a[data-image-viewer]"));
  }

  function show(link) {
    current = link;
    var img = link.querySelector("img");
    var name = img ? img.alt : "";
    picture.src = link.href;
    picture.alt = name;
    caption.textContent = name;
    download.href = link.href;
    download.setAttribute("aria-label", cfg.downloadLabel + " " + name);
    var links = all();
    var at = links.indexOf(link);
    previous.disabled = at <= 0;
    next.disabled = at < 0 || at >= links.length - 1;
  }

  function step(by) {
    var links = all();
    var at = links.indexOf(current);
    var to = links[at + by];
    if (to) show(to);
  }

  log.addEventListener("click", function (e) {
    var link = e.target.closest("a[data-image-viewer]");
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    if (!dialog) build();
    show(link);
    if (!dialog.open) dialog.showModal();
  });
})();
