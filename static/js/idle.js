/* Idle timeout warning (docs/security.md "Idle timeout without lost work").
 * A little before SESSION_IDLE_TIMEOUT (data-timeout, seconds) without a request to the server,
 * show the warning; "Stay signed in" posts to the keep-alive address, which resets the server's
 * idle clock. Typing in a form counts as activity: it keeps the session alive too, at most once
 * per half timeout. Tabs share the time of the last request through localStorage (a time only,
 * never what was typed). No inline script: the CSP allows only files from this site. */
(function () {
  "use strict";
  var box = document.getElementById("idle-warning");
  if (!box) { return; }
  var timeout = parseInt(box.getAttribute("data-timeout"), 10) * 1000;
  if (!(timeout > 0)) { return; }
  var url = box.getAttribute("data-keep-alive");
  var lead = Math.min(120000, timeout / 3);
  var KEY = "passerelle.lastRequest";
  var typed = false;
  var stay = box.querySelector("[data-stay]");
  var text = document.getElementById("idle-warning-text");

  function csrf() {
    var holder = document.querySelector("[hx-headers]");
    try { return JSON.parse(holder.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function lastRequest() {
    var mine = window.passerelleLastRequest || 0;
    var shared = 0;
    try { shared = parseInt(window.localStorage.getItem(KEY), 10) || 0; } catch (e) { shared = 0; }
    return Math.max(mine, shared);
  }
  function touched() {
    window.passerelleLastRequest = Date.now();
    try { window.localStorage.setItem(KEY, String(window.passerelleLastRequest)); } catch (e) { /* private mode */ }
  }
  function keepAlive() {
    var body = new FormData();
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf() }, redirect: "manual"
    }).then(function (response) {
      if (response.status === 204) { touched(); hide(); } else { ended(); }
    });
  }
  function show() {
    if (!box.hidden) { return; }
    var focused = document.activeElement;
    box.hidden = false;
    box.setAttribute("data-return", focused && focused.id ? focused.id : "");
    stay.focus();
  }
  function hide() {
    if (box.hidden) { return; }
    box.hidden = true;
    var back = box.getAttribute("data-return");
    if (back && document.getElementById(back)) { document.getElementById(back).focus(); }
  }
  function ended() {
    text.textContent = text.getAttribute("data-ended");
    stay.hidden = true;
    box.hidden = false;
  }
  function tick() {
    var idle = Date.now() - lastRequest();
    if (idle >= timeout) { ended(); return; }
    if (typed && idle >= timeout / 2) { typed = false; keepAlive(); return; }
    if (idle >= timeout - lead) { show(); } else { hide(); }
  }

  touched();
  stay.addEventListener("click", function () { keepAlive(); });
  document.addEventListener("input", function () { typed = true; }, true);
  document.body.addEventListener("htmx:afterRequest", touched);
  window.addEventListener("storage", function (event) { if (event.key === KEY) { tick(); } });
  window.setInterval(tick, Math.min(5000, Math.max(500, lead / 4)));
})();
