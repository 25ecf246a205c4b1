/* Incident form: show only the sub-types of the chosen category. Each sub-type option carries
 * its category (data-category); without JavaScript the list stays grouped by category and the
 * server refuses a sub-type of another category. No inline script: the CSP allows files only. */
(function () {
  "use strict";
  var category = document.querySelector("select[data-subtypes]");
  if (!category) { return; }
  var sub = document.getElementById(category.getAttribute("data-subtypes"));
  if (!sub) { return; }
  var field = sub.closest(".field");

  function filter() {
    var chosen = category.value;
    var any = false;
    Array.prototype.forEach.call(sub.querySelectorAll("option[data-category]"), function (option) {
      var show = chosen !== "" && option.getAttribute("data-category") === chosen;
      option.hidden = !show;
      option.disabled = !show;
      if (show) { any = true; } else if (option.selected) { sub.value = ""; }
    });
    Array.prototype.forEach.call(sub.querySelectorAll("optgroup"), function (group) {
      group.hidden = !group.querySelector("option:not([hidden])");
    });
    sub.disabled = !any;
    if (field) { field.hidden = !any; }
  }

  category.addEventListener("change", filter);
  filter();
})();
