// Keyboard shortcuts of the review app. Loaded from /static (the Content-Security-Policy allows
// no inline script). Without JavaScript every action still works through the page's forms.
"use strict";
(function () {
  const body = document.body;
  const page = body.dataset.page;
  const portal = body.dataset.portal;
  const sections = Array.from(document.querySelectorAll("section.indicator"));
  const pending = new Set();
  let current = 0;

  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function typing(event) {
    const t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  function say(text) {
    const line = document.getElementById("status-line");
    if (line) line.textContent = text;
  }

  function decided(section) {
    return section.querySelector(".mine").dataset.value !== "";
  }

  function focusSection(index) {
    if (!sections.length) return;
    current = Math.max(0, Math.min(sections.length - 1, index));
    sections.forEach((s, i) => s.classList.toggle("focused", i === current));
    sections[current].focus({ preventScroll: true });
    sections[current].scrollIntoView({ block: "nearest" });
  }

  function nextUndecided(from) {
    for (let i = from + 1; i < sections.length; i++) if (!decided(sections[i])) return i;
    for (let i = 0; i <= from && i < sections.length; i++) if (!decided(sections[i])) return i;
    return Math.min(from + 1, sections.length - 1);
  }

  function updateProgress() {
    const count = sections.filter(decided).length;
    const el = document.getElementById("decided");
    if (el) el.textContent = String(count);
    if (count === sections.length) say("All " + count + " indicators decided. Press n for the next portal.");
  }

  function decide(value) {
    const section = sections[current];
    if (!section) return;
    const indicator = section.dataset.indicator;
    const note = section.querySelector(".note");
    const url = section.querySelector(".evidence-url");
    const mine = section.querySelector(".mine");
    mine.dataset.value = value; // optimistic: the next key press already sees it as decided
    mine.textContent = value + " (saving)";
    const request = fetch("/api/portals/" + encodeURIComponent(portal) + "/decisions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify({ indicator: indicator, value: value, note: note.value || null, evidence_url: url.value || null }),
    })
      .then((response) => response.json().then((data) => ({ ok: response.ok, data: data })))
      .then((result) => {
        if (result.ok) {
          mine.textContent = result.data.decision.value;
          note.value = "";
          url.value = "";
          updateProgress();
        } else {
          mine.dataset.value = "";
          mine.textContent = "not saved";
          say("Not saved (" + indicator + "): " + result.data.error.message);
        }
      })
      .catch(() => {
        mine.dataset.value = "";
        mine.textContent = "not saved";
        say("Not saved (" + indicator + "): the server did not answer.");
      })
      .finally(() => pending.delete(request));
    pending.add(request);
    focusSection(nextUndecided(current));
  }

  function goNext() {
    const target = portal ? "/next?after=" + encodeURIComponent(portal) : "/next";
    Promise.allSettled(Array.from(pending)).then(() => { window.location.assign(target); });
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const key = event.key;
    if (key === "n") { event.preventDefault(); goNext(); return; }
    if (page !== "portal") return;
    if (key === "j") { event.preventDefault(); focusSection(current + 1); }
    else if (key === "k") { event.preventDefault(); focusSection(current - 1); }
    else if (key === "p") { event.preventDefault(); decide("present"); }
    else if (key === "a") { event.preventDefault(); decide("absent"); }
    else if (key === "u") { event.preventDefault(); decide("unsure"); }
    else if (key === "e") { event.preventDefault(); sections[current].querySelector(".note").focus(); }
  });

  if (page === "portal" && sections.length) {
    const hash = window.location.hash.replace("#ind-", "");
    const fromHash = sections.findIndex((s) => s.dataset.indicator === hash);
    const firstOpen = sections.findIndex((s) => !decided(s));
    focusSection(fromHash >= 0 ? fromHash : Math.max(0, firstOpen));
    updateProgress();
  }
})();
