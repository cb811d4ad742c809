// Small behaviours that htmx does not cover. Loaded as a file: the Content-Security-Policy forbids inline code.
"use strict";

(function () {
  var TZ_KEY = "dashboard.timezone";
  document.documentElement.classList.remove("no-js");
  document.documentElement.classList.add("js");

  // --- Polling pauses while the tab is hidden, and catches up as soon as it is visible again. -------------
  // Polled elements carry data-poll and hx-trigger="every Ns, poll-now".
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (document.hidden && elt && elt.hasAttribute && elt.hasAttribute("data-poll")) {
      event.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !window.htmx) return;
    document.querySelectorAll("[data-poll]").forEach(function (elt) {
      window.htmx.trigger(elt, "poll-now");
    });
  });
  // A polled element that carries data-etag (the ETag of what it shows) sends it; the server answers 304
  // without a body when nothing it shows has changed, and what is on screen stays. htmx would otherwise
  // swap the empty answer in. Its "read" clock then says when the server last confirmed it.
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-etag")) {
      event.detail.headers["If-None-Match"] = elt.getAttribute("data-etag");
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.status === 304) {
      event.detail.shouldSwap = false;
      stampClock(event.detail.elt, xhr.getResponseHeader("Date"));
    }
  });
  // A poll that lands on the login page (the session ended) reloads the page instead of swapping it in.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.responseURL && new URL(xhr.responseURL).pathname.indexOf("/login/") === 0) {
      event.preventDefault();
      window.location.reload();
    }
  });

  // --- Bulk selection: the rows' checkboxes live in the polled results (outside the bulk form, which they
  // join by form="bulk-form"); what was ticked stays ticked when a poll swaps the rows. ----------------------
  var ticked = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || elt.id !== "results") return;
    ticked = {};
    elt.querySelectorAll('input[name="ids"]:checked').forEach(function (box) { ticked[box.value] = true; });
  });
  document.addEventListener("htmx:afterSwap", function () {
    var results = document.getElementById("results");
    if (!ticked || !results) return;
    results.querySelectorAll('input[name="ids"]').forEach(function (box) {
      if (ticked[box.value]) box.checked = true;
    });
    ticked = null;
  });
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || !box.hasAttribute || !box.hasAttribute("data-select-page")) return;
    var results = document.getElementById("results");
    if (!results) return;
    results.querySelectorAll('input[name="ids"]').forEach(function (row) { row.checked = box.checked; });
  });

  // --- UTC / local time switch: rewrites <time class="ts" datetime="...Z"> texts. --------------------------
  function pad(n) { return n < 10 ? "0" + n : String(n); }

  // precision: "minutes" (dense tables), "clock" (time of day only) or none (full date and time).
  function localText(date, precision) {
    var clock = pad(date.getHours()) + ":" + pad(date.getMinutes());
    if (precision !== "minutes") clock += ":" + pad(date.getSeconds());
    if (precision === "clock") return clock + " local";
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + " " + clock + " local";
  }

  function currentZone() {
    try { return window.localStorage.getItem(TZ_KEY) === "local" ? "local" : "utc"; } catch (e) { return "utc"; }
  }

  function applyZone(root) {
    var zone = currentZone();
    (root || document).querySelectorAll("time.ts[datetime]").forEach(function (el) {
      if (!el.hasAttribute("data-utc")) el.setAttribute("data-utc", el.textContent);
      if (zone === "local") {
        var date = new Date(el.getAttribute("datetime"));
        if (!isNaN(date.getTime())) {
          el.textContent = localText(date, el.getAttribute("data-precision"));
          el.title = el.getAttribute("data-utc");
        }
      } else {
        el.textContent = el.getAttribute("data-utc");
        el.removeAttribute("title");
      }
    });
    document.querySelectorAll("[data-tz-toggle]").forEach(function (button) {
      button.textContent = zone === "local" ? "Show UTC" : "Show local time";
      button.setAttribute("aria-pressed", zone === "local" ? "true" : "false");
    });
  }

  // The clock of a fragment a 304 kept ("read 07:51:32 UTC"): the server's time of the answer, as
  // now_clock writes it.
  function stampClock(root, dateHeader) {
    if (!root || !root.querySelectorAll) return;
    var moment = dateHeader ? new Date(dateHeader) : new Date();
    if (isNaN(moment.getTime())) moment = new Date();
    var text = pad(moment.getUTCHours()) + ":" + pad(moment.getUTCMinutes()) + ":" + pad(moment.getUTCSeconds()) + " UTC";
    root.querySelectorAll('time.ts[data-precision="clock"]').forEach(function (el) {
      el.setAttribute("datetime", moment.toISOString().replace(/\.\d+Z$/, "Z"));
      el.setAttribute("data-utc", text);
      el.textContent = text;
    });
    applyZone(root);
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-tz-toggle]");
    if (toggle) {
      try { window.localStorage.setItem(TZ_KEY, currentZone() === "local" ? "utc" : "local"); } catch (e) { /* private mode */ }
      applyZone(document);
      return;
    }
    var copy = event.target.closest && event.target.closest("[data-copy]");
    if (copy) copyText(copy);
  });

  // --- Copy buttons (request ids, encoding ids). -------------------------------------------------------------
  function copyText(button) {
    var text = button.getAttribute("data-copy");
    var original = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", original);
    function done(message) {
      button.textContent = message;
      window.setTimeout(function () { button.textContent = original; }, 2000);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done("Copied"); }, function () { done("Copy failed"); });
    } else {
      done("Copy not available");
    }
  }

  // --- The switcher and the dropdown menus (<details data-dropdown>: the list's status filter and view options)
  // close on Escape and when focus or a click leaves them. ---------------------------------------------------
  var OPEN_MENUS = "details.switcher[open], details[data-dropdown][open]";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll(OPEN_MENUS).forEach(function (details) {
      details.removeAttribute("open");
      var summary = details.querySelector("summary");
      if (summary) summary.focus();
    });
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll(OPEN_MENUS).forEach(function (details) {
      if (!details.contains(event.target)) details.removeAttribute("open");
    });
  });

  // --- "requested 3 s ago" stays true between polls (time[data-ago], from the ticking_ago filter). ----------
  // The same words as the server's: "just now" under 5 s, then the two largest units.
  function durationText(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 60) return seconds + " s";
    var minutes = Math.floor(seconds / 60), secs = seconds % 60;
    if (minutes < 60) return secs ? minutes + " min " + secs + " s" : minutes + " min";
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    return minutes ? hours + " h " + minutes + " min" : hours + " h";
  }
  function tickAgo() {
    document.querySelectorAll("time[data-ago][datetime]").forEach(function (el) {
      var since = Date.parse(el.getAttribute("datetime"));
      if (isNaN(since)) return;
      var seconds = (Date.now() - since) / 1000;
      el.textContent = seconds < 5 ? "just now" : durationText(seconds) + " ago";
    });
  }
  window.setInterval(tickAgo, 1000);

  document.addEventListener("htmx:afterSwap", function () { applyZone(document); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { applyZone(document); });
  } else {
    applyZone(document);
  }
})();
