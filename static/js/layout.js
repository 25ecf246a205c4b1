/* Layout on every page (templates/base.html): phones and keyboards.
 * The pages work without it; it only fills gaps of older browsers and of keyboards:
 * - the main menu is a <details> folded on narrow screens; on wide screens the CSS shows its
 *   content (::details-content), and this opens it for browsers without that pseudo-element;
 *   Escape closes the menu on a narrow screen and gives the focus back to "Menu";
 * - a table or box that scrolls sideways inside the page becomes focusable (tabindex 0), so that
 *   a keyboard can scroll it (WCAG 2.1.1).
 * No inline script: the CSP allows only files from this site. */
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 50.0625em)"); // the narrow layout is max-width: 50em
  var menu = document.querySelector("header.top details.menu");

  function placeMenu() {
    if (!menu) { return; }
    if (wide.matches) { menu.open = true; } else if (menu.hasAttribute("data-opened-wide")) { menu.open = false; }
    if (wide.matches) { menu.setAttribute("data-opened-wide", ""); } else { menu.removeAttribute("data-opened-wide"); }
  }

  function focusableScrollers() {
    var boxes = document.querySelectorAll("main table, main .table-wrap, main fieldset, main pre");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var overflow = window.getComputedStyle(box).overflowX;
      var scrolls = (overflow === "auto" || overflow === "scroll") && box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && box.hasAttribute("data-scroll-focus")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-focus");
      }
    }
  }

  var pending = null;
  function later() {
    if (pending) { window.clearTimeout(pending); }
    pending = window.setTimeout(function () { pending = null; focusableScrollers(); }, 150);
  }

  placeMenu();
  focusableScrollers();
  if (wide.addEventListener) { wide.addEventListener("change", placeMenu); }
  window.addEventListener("resize", later);
  document.addEventListener("htmx:afterSettle", later);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu && menu.open && !wide.matches) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
})();
