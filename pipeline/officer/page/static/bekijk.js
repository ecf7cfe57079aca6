// The live page (convenant bekijk): listens to the server's events and replaces each part of
// the page whose print changed. No framework; the server renders and escapes everything.
"use strict";

(function () {
  const status = document.getElementById("status");
  const busy = document.getElementById("bezig");
  const parts = new Map();
  document.querySelectorAll("[data-deel]").forEach((el) => parts.set(el.dataset.deel, el));

  // Focus and the element under it survive a part being replaced when they have an id, or
  // are the n-th link of the part; otherwise focus goes to the part's heading.
  function remember(el) {
    const active = document.activeElement;
    if (!active || !el.contains(active)) return null;
    if (active.id) return { id: active.id };
    const links = Array.from(el.querySelectorAll("a, [tabindex]"));
    return { index: links.indexOf(active) };
  }

  function restore(el, focus) {
    if (!focus) return;
    let target = focus.id ? document.getElementById(focus.id) : null;
    if (!target && focus.index >= 0) target = el.querySelectorAll("a, [tabindex]")[focus.index];
    if (!target) {
      target = el.parentElement.querySelector("h2");
      target.setAttribute("tabindex", "-1");
    }
    target.focus({ preventScroll: true });
  }

  async function refresh(key, stand) {
    const el = parts.get(key);
    if (!el || el.dataset.stand === stand) return;
    const answer = await fetch("/deel/" + encodeURIComponent(key), { cache: "no-store" });
    if (!answer.ok) return;
    const html = await answer.text();
    const focus = remember(el);
    const template = document.createElement("template");
    template.innerHTML = html;
    el.replaceChildren(template.content);
    el.dataset.stand = answer.headers.get("X-Stand") || stand;
    el.classList.remove("vernieuwd");
    void el.offsetWidth; // restart the (reduced-motion aware) highlight
    el.classList.add("vernieuwd");
    restore(el, focus);
    bindPreviews(el);
  }

  // A click on an annex link shows that annex in the frame; a new tab still opens it whole.
  function bindPreviews(root) {
    root.querySelectorAll("a[data-voorbeeld]").forEach((link) => {
      link.addEventListener("click", (event) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
        const frame = root.querySelector("iframe");
        if (!frame) return;
        event.preventDefault();
        frame.src = link.dataset.voorbeeld;
        frame.title = link.dataset.titel + ", zoals afgedrukt";
        frame.focus();
      });
    });
  }

  let shown = "";
  async function onState(event) {
    const state = JSON.parse(event.data);
    // never aria-busy on the page: some screen readers then hide all of it while it updates
    document.body.dataset.bezig = state.bezig ? "ja" : "nee";
    busy.hidden = !state.bezig;
    for (const [key, stand] of Object.entries(state.delen)) {
      try {
        await refresh(key, stand);
      } catch (error) {
        // the next event brings the part again
      }
    }
    // aria-live: said once per finished update, not at every stage
    if (!state.bezig && state.status !== shown) {
      status.textContent = state.status;
      shown = state.status;
    }
    document.body.dataset.generatie = String(state.generatie);
  }

  bindPreviews(document);
  if (!("EventSource" in window)) return;
  const source = new EventSource("/gebeurtenissen");
  let queue = Promise.resolve(); // one state after the other, never two at once
  source.addEventListener("stand", (event) => {
    queue = queue.then(() => onState(event));
  });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED || source.readyState === EventSource.CONNECTING) {
      status.textContent = "De verbinding met ketenstroom convenant bekijk is verbroken; de pagina probeert het opnieuw.";
      shown = "";
    }
  });
})();
