/* The booking pages show times in the visitor's zone: the first visit without ?tz= reloads
   with the browser's zone (when the server guessed another); changing the select shows the
   times again. Without JavaScript the select and its button do the same. */
(function () {
  "use strict";
  var form = document.querySelector("[data-zone-picker]");
  if (!form) return;
  var select = form.querySelector("select[name=tz]");
  select.addEventListener("change", function () { form.submit(); });
  if (form.getAttribute("data-zone-given") === "1") return;
  var browser = "";
  try { browser = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
  if (!browser) return;
  // The select offers canonical names; a browser may name its zone by an old alias (Chromium
  // says "Asia/Calcutta" for Asia/Kolkata): the option that resolves the same way is its.
  // Any other name goes to the server as it is (it knows the aliases too).
  function resolved(name) {
    try { return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone; }
    catch (e) { return ""; }
  }
  var options = Array.prototype.slice.call(select.options);
  var match = options.filter(function (o) { return o.value === browser; })[0] ||
    options.filter(function (o) { return resolved(o.value) === browser; })[0];
  var zone = match ? match.value : browser;
  if (zone === select.value) return;
  var url = new URL(window.location.href);
  url.searchParams.set("tz", zone);
  window.location.replace(url.toString());
})();
