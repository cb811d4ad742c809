// Wall display: conditional polls, and a screen that is never silently stale.
//
// Each poll sends the ETag of what is on screen; the server answers 304 when nothing changed. Every
// answer carries the time of the last successful sync (X-Wall-Synced-At), which drives "updated N s ago".
// When a poll fails, the sync stops (beat or a worker of the dashboard is not running) or falls behind, a
// banner says so until things recover by themselves.
// The page's address holds no token: the display link's HttpOnly cookie goes with every poll by itself.
// With more organizations than fit one screen, the board holds pages (worst first) that take turns here,
// in the browser: polls and their 304s are untouched, and a new board keeps showing the same page number.
"use strict";

(function () {
  const body = document.body;
  if (!body || !body.classList.contains("wall-body")) {
    return;
  }
  const pollSeconds = Number(body.dataset.pollSeconds || "10");
  const behindAfter = Number(body.dataset.behindAfter || "90") * 1000;
  const updated = document.getElementById("wall-updated");
  const alertBox = document.getElementById("wall-alert");
  const alertText = document.getElementById("wall-alert-text");
  const clock = document.getElementById("wall-clock");
  const pager = document.getElementById("wall-pager");

  let etag = null;
  let syncedAt = null;
  let serverSaysBehind = false;
  let syncStopped = false;
  let lastGoodPoll = Date.now();
  let failing = false;
  let pageIndex = 0;
  let pageShownAt = Date.now();

  function readBoard() {
    const board = document.getElementById("wall-board");
    if (!board) {
      return;
    }
    syncedAt = board.dataset.syncedAt ? Date.parse(board.dataset.syncedAt) : null;
    serverSaysBehind = board.dataset.behind === "1";
    syncStopped = board.dataset.syncStopped === "1";
  }

  function showPage() {
    const pages = document.querySelectorAll("#wall-board [data-wall-page]");
    if (pages.length === 0) {
      if (pager) {
        pager.hidden = true;
      }
      return;
    }
    pageIndex = pageIndex % pages.length;
    pages.forEach(function (page, index) {
      page.hidden = index !== pageIndex;
    });
    if (pager) {
      pager.hidden = pages.length < 2;
      pager.textContent = "Page " + (pageIndex + 1) + " of " + pages.length;
    }
  }

  function rotate() {
    const board = document.getElementById("wall-board");
    const seconds = Number((board && board.dataset.rotateSeconds) || "0");
    if (seconds > 0 && Date.now() - pageShownAt >= seconds * 1000) {
      pageIndex += 1;
      pageShownAt = Date.now();
      showPage();
    }
  }

  function spoken(milliseconds) {
    const seconds = Math.max(0, Math.round(milliseconds / 1000));
    if (seconds < 60) {
      return seconds + " s";
    }
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) {
      return minutes + " min " + (seconds % 60) + " s";
    }
    const hours = Math.floor(minutes / 60);
    return hours + " h " + (minutes % 60) + " min";
  }

  function clockText(moment) {
    return moment.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function render() {
    const now = Date.now();
    if (clock) {
      clock.textContent = clockText(new Date(now));
    }
    // A revoked link, or a browser without the link's cookie: polling has stopped and the notice says why.
    const stopped = document.querySelector("[data-stopped]");
    if (stopped) {
      updated.textContent = stopped.dataset.stopped;
      alertBox.hidden = true;
      body.classList.remove("wall-stale");
      return;
    }
    updated.textContent = syncedAt === null ? "never synced" : "updated " + spoken(now - syncedAt) + " ago";
    // A hung request raises no error event of its own: two missed polls count as a failure too.
    const silent = now - lastGoodPoll > (2 * pollSeconds + 5) * 1000;
    const behind = serverSaysBehind || syncedAt === null || now - syncedAt > behindAfter;
    let message = "";
    if (failing || silent) {
      message =
        "Connection to the dashboard lost " + spoken(now - lastGoodPoll) + " ago. " +
        "Showing data from " + clockText(new Date(lastGoodPoll)) + "; retrying every " + pollSeconds + " s.";
    } else if (syncStopped) {
      message =
        "Sync stopped: nothing is being read from Bitmovin. " +
        (syncedAt === null ? "These numbers are not current." : "Numbers are from " + spoken(now - syncedAt) + " ago.");
    } else if (behind) {
      message =
        syncedAt === null
          ? "No successful sync with Bitmovin yet: these numbers are not current."
          : "Sync with Bitmovin is behind: last success " + spoken(now - syncedAt) + " ago. Numbers may be out of date.";
    }
    alertText.textContent = message;
    alertBox.hidden = message === "";
    body.classList.toggle("wall-stale", message !== "");
  }

  document.addEventListener("htmx:configRequest", function (event) {
    if (etag) {
      event.detail.headers["If-None-Match"] = etag;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const xhr = event.detail.xhr;
    if (!xhr || xhr.status === 0 || xhr.status >= 400) {
      return;
    }
    failing = false;
    lastGoodPoll = Date.now();
    etag = xhr.getResponseHeader("ETag") || etag;
    const synced = xhr.getResponseHeader("X-Wall-Synced-At");
    if (synced !== null) {
      syncedAt = synced ? Date.parse(synced) : null;
      serverSaysBehind = xhr.getResponseHeader("X-Wall-Behind") === "1";
      syncStopped = xhr.getResponseHeader("X-Wall-Sync-Stopped") === "1";
    }
    render();
  });

  document.addEventListener("htmx:afterSwap", function () {
    readBoard();
    showPage();
    render();
  });

  ["htmx:responseError", "htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, function () {
      failing = true;
      render();
    });
  });

  readBoard();
  showPage();
  render();
  setInterval(function () {
    rotate();
    render();
  }, 1000);
})();
