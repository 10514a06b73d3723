// The profile's time zone: a search box that narrows the select down (loaded only on the
// profile page, templates/accounts/profile.html). Without it the full select works as is.
(function () {
  "use strict";

  function fold(text) {
    return text.toLocaleLowerCase().replace(/[_/]/g, " ");
  }

  function enhance(select) {
    var all = Array.prototype.slice.call(select.options).map(function (option) {
      return { option: option, text: fold(option.textContent + " " + option.value) };
    });
    var box = document.createElement("input");
    box.type = "search";
    box.id = select.id + "-search";
    box.className = "tz-search";
    box.autocomplete = "off";
    box.placeholder = select.getAttribute("data-tz-placeholder") || "";
    box.setAttribute("aria-label", select.getAttribute("data-tz-search-label") || "");
    box.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(box, select);

    box.addEventListener("input", function () {
      var words = fold(box.value).split(/\s+/).filter(Boolean);
      var current = select.value;
      var keep = all.filter(function (item) {
        // The selected zone stays, so the form never sends another one by surprise.
        return item.option.value === current || words.every(function (word) {
          return item.text.indexOf(word) !== -1;
        });
      });
      select.replaceChildren.apply(select, keep.map(function (item) { return item.option; }));
      select.value = current;
    });
    // Enter in the box must not submit the profile half-edited.
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        select.focus();
      }
    });
  }

  document.querySelectorAll("select[data-tz-picker]").forEach(enhance);
})();
