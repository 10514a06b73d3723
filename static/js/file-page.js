// A file's page (files/file.html): the image viewer's zoom, the PDF viewer (pdf.js, loaded
// from static/vendor on demand) and the live viewer, loaded again when its preview is made.
// Without this script the image is a link to itself and the PDF a link to open it.
(function () {
  "use strict";

  // --- Image: click (or Enter) toggles between fitted to the panel and full size ----------
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-zoom]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    setZoom(link, !link.classList.contains("is-zoomed"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var zoomed = document.querySelector("[data-zoom].is-zoomed");
    if (zoomed) setZoom(zoomed, false);
  });
  function setZoom(link, on) {
    link.classList.toggle("is-zoomed", on);
    link.setAttribute("aria-label", on ? link.dataset.zoomOut : link.dataset.zoomIn);
    link.setAttribute("aria-pressed", on ? "true" : "false");
  }

  // --- PDF: pdf.js renders one page at a time on a canvas, fitted to the panel's width -----
  function startPdf(box) {
    if (box.dataset.started) return;
    box.dataset.started = "1";
    var canvas = box.querySelector("[data-pdf-canvas]");
    var toolbar = box.querySelector(".pdf-toolbar");
    var label = box.querySelector("[data-pdf-label]");
    var prev = box.querySelector("[data-pdf-prev]");
    var next = box.querySelector("[data-pdf-next]");
    var doc = null;
    var pageNumber = 1;
    var rendering = null;

    function fail(error) {
      box.classList.add("is-failed");
      var note = document.createElement("p");
      note.className = "viewer-message-text";
      note.textContent = box.dataset.error;
      box.insertBefore(note, box.firstChild);
      canvas.hidden = true;
      toolbar.hidden = true;
      if (window.console && error) console.warn("pdf viewer:", error && error.message);
    }

    function render() {
      if (!doc) return;
      if (rendering) rendering.cancel();
      doc.getPage(pageNumber).then(function (page) {
        var width = box.clientWidth || 600;
        var base = page.getViewport({ scale: 1 });
        var ratio = window.devicePixelRatio || 1;
        var viewport = page.getViewport({ scale: (width / base.width) * ratio });
        canvas.width = Math.floor(viewport.width);
        canvas.height = Math.floor(viewport.height);
        // Drawn at the screen's pixel density; the stylesheet fits it to the panel.
        rendering = page.render({ canvas: canvas, canvasContext: canvas.getContext("2d"), viewport: viewport });
        return rendering.promise.then(function () {
          rendering = null;
          canvas.hidden = false;
          canvas.dataset.rendered = String(pageNumber);
          label.textContent = label.dataset.pdfLabel
            .replace("{n}", pageNumber)
            .replace("{total}", doc.numPages);
          prev.disabled = pageNumber <= 1;
          next.disabled = pageNumber >= doc.numPages;
          toolbar.hidden = false;
        });
      }).catch(function (error) {
        if (error && error.name === "RenderingCancelledException") return;
        fail(error);
      });
    }

    prev.addEventListener("click", function () {
      if (pageNumber > 1) { pageNumber -= 1; render(); }
    });
    next.addEventListener("click", function () {
      if (doc && pageNumber < doc.numPages) { pageNumber += 1; render(); }
    });

    import(box.dataset.lib).then(function (pdfjs) {
      pdfjs.GlobalWorkerOptions.workerSrc = box.dataset.worker;
      return pdfjs.getDocument({
        url: box.dataset.pdf,
        // The CSP allows neither eval nor WebAssembly compilation: pdf.js keeps to plain
        // JavaScript (rare JPEG 2000 / JBIG2 images may then not show).
        isEvalSupported: false,
        useWasm: false,
        enableXfa: false,
        standardFontDataUrl: box.dataset.fonts,
        cMapUrl: box.dataset.cmaps,
        cMapPacked: true,
      }).promise;
    }).then(function (loaded) {
      doc = loaded;
      render();
    }).catch(fail);
  }

  function init(root) {
    (root || document).querySelectorAll(".pdf-viewer[data-pdf]").forEach(startPdf);
  }

  // --- Live: the preview was made: load the viewer again --------------------------------
  document.addEventListener("collab:event", function (event) {
    var data = event.detail || {};
    if (data.type !== "files" || data.action !== "preview") return;
    var viewer = document.querySelector('[data-preview-pending="' + String(data.file) + '"][data-refresh-url]');
    if (!viewer || !window.htmx) return;
    window.htmx.ajax("GET", viewer.dataset.refreshUrl, { target: "#" + viewer.id, swap: "outerHTML" });
  });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
  document.addEventListener("DOMContentLoaded", function () { init(); });
})();
