/* khub fact popovers: where a figure comes from, in plain words, on hover, focus and tap.
 *
 * Every fact link (a.khub-fact) carries what the popover says as data attributes written
 * and escaped by khub (khub.render.elements.popover_data) and filtered by the page
 * sanitiser: data-status, data-as-of, data-verified, data-source or data-formula, and
 * data-stale-after / data-failing-since on figures that are overdue or could not be
 * re-checked. The text is set with textContent only, never parsed as HTML.
 *
 * One popover element serves the page (role="tooltip", referenced by the link's
 * aria-describedby while open). It opens below the link's line, or above it when there is
 * no room below, and never over the line itself. Mouse: opens on hover, stays while the
 * pointer is over it. Keyboard: opens on focus, Escape closes. Touch: the first tap opens
 * it (the link is not followed), the "Open the fact page" link inside goes there; a tap
 * elsewhere or Escape closes it. Without JavaScript the fact link still leads to its page.
 *
 * Hook for later actions (issue 13, "cite this figure"): window.khubFacts.actions is a list
 * of functions (link, area) called each time the popover opens, to add buttons or links
 * to its actions area (area.appendChild(...)); khubFacts.data(link) returns what the
 * popover read.
 */
(function () {
  "use strict";

  if (window.khubFacts) return; // instant navigation re-runs nothing: one set of listeners

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  var STATUS = {
    "official": "Official figure",
    "vendor-reported": "Reported by the vendor",
    "independent": "Measured independently",
    "estimate": "Estimate",
    "derived": "Calculated from other figures"
  };
  var GAP = 6;      // px between the line and the popover
  var MARGIN = 8;   // px kept free at the viewport's edges
  var HIDE_DELAY = 200;

  var pop = null;
  var text = null;
  var area = null;
  var more = null;
  var current = null;
  var hideTimer = 0;
  var lastPointer = "mouse";

  function humanDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!m) return "";
    return String(Number(m[3])) + " " + MONTHS[Number(m[2]) - 1] + " " + m[1];
  }

  function data(link) {
    var get = function (name) { return link.getAttribute("data-" + name) || ""; };
    return {
      id: get("fact-id"),
      status: get("status"),
      asOf: get("as-of"),
      verified: get("verified"),
      source: get("source"),
      formula: get("formula"),
      staleAfter: get("stale-after"),
      failingSince: get("failing-since"),
      href: link.getAttribute("href") || ""
    };
  }

  function lines(fact) {
    var first = [];
    if (STATUS[fact.status]) first.push(STATUS[fact.status]);
    if (fact.asOf) first.push("as of " + humanDate(fact.asOf));
    if (fact.verified) first.push("checked " + humanDate(fact.verified));
    if (fact.source) first.push("Source: " + fact.source);
    var out = [first.join(" \u00b7 ")];
    if (fact.formula) out.push("= " + fact.formula);
    if (fact.staleAfter) {
      out.push("Overdue: not checked within " + fact.staleAfter + " days.");
    }
    if (fact.failingSince) {
      out.push("Could not be re-checked against its source since " +
        humanDate(fact.failingSince) + ".");
    }
    return out;
  }

  function build() {
    pop = document.createElement("div");
    pop.id = "khub-pop";
    pop.className = "khub-pop";
    pop.setAttribute("role", "tooltip");
    pop.hidden = true;
    text = document.createElement("div");
    text.className = "khub-pop__text";
    area = document.createElement("div");
    area.className = "khub-pop__actions";
    area.setAttribute("data-khub-actions", "");
    more = document.createElement("a");
    more.className = "khub-pop__more";
    more.textContent = "Open the fact page";
    more.tabIndex = -1; // the figure's own link leads there for keyboard users
    pop.appendChild(text);
    pop.appendChild(area);
    pop.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
    pop.addEventListener("mouseleave", function () { later(); });
    // inside the page's main landmark, so assistive technology finds it in context
    (document.querySelector("main") || document.body).appendChild(pop);
  }

  function ensure() {
    if (!pop || !document.body.contains(pop)) build();
  }

  function place(link) {
    var rects = link.getClientRects();
    var line = rects.length ? rects[0] : link.getBoundingClientRect();
    var last = rects.length ? rects[rects.length - 1] : line;
    var width = document.documentElement.clientWidth;
    var height = window.innerHeight;
    pop.style.maxWidth = Math.max(160, width - 2 * MARGIN) + "px";
    var box = pop.getBoundingClientRect();
    var left = Math.min(Math.max(MARGIN, line.left), width - box.width - MARGIN);
    var below = last.bottom + GAP;
    var top = below + box.height <= height - MARGIN || line.top - GAP - box.height < MARGIN
      ? below : line.top - GAP - box.height;
    pop.style.left = Math.max(MARGIN, left) + "px";
    pop.style.top = top + "px";
  }

  function show(link) {
    ensure();
    clearTimeout(hideTimer);
    if (current && current !== link) current.removeAttribute("aria-describedby");
    current = link;
    var fact = data(link);
    text.textContent = "";
    lines(fact).forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      text.appendChild(p);
    });
    area.textContent = "";
    more.setAttribute("href", fact.href);
    area.appendChild(more);
    window.khubFacts.actions.forEach(function (add) { add(link, area); });
    link.setAttribute("aria-describedby", pop.id);
    pop.hidden = false;
    pop.style.left = "0px";
    pop.style.top = "0px";
    place(link);
  }

  function hide() {
    clearTimeout(hideTimer);
    if (current) current.removeAttribute("aria-describedby");
    current = null;
    if (pop) pop.hidden = true;
  }

  function later() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, HIDE_DELAY);
  }

  function factLink(target) {
    return target && target.closest ? target.closest("a.khub-fact") : null;
  }

  document.addEventListener("pointerdown", function (event) {
    lastPointer = event.pointerType || "mouse";
    if (pop && !pop.hidden && !pop.contains(event.target) && !factLink(event.target)) hide();
  }, true);

  // Capture phase: runs before the theme's instant navigation would follow the link.
  document.addEventListener("click", function (event) {
    var link = factLink(event.target);
    if (!link || lastPointer !== "touch") return;
    if (!pop || current !== link || pop.hidden) {
      event.preventDefault(); // the first tap explains the figure; the popover links on
      event.stopPropagation();
      show(link);
    }
  }, true);

  document.addEventListener("mouseover", function (event) {
    var link = factLink(event.target);
    if (!link || lastPointer === "touch") return;
    if (link === current && pop && !pop.hidden) clearTimeout(hideTimer); // moved within it
    else show(link);
  });

  document.addEventListener("mouseout", function (event) {
    var link = factLink(event.target);
    if (link && link === current && !link.contains(event.relatedTarget)) later();
  });

  document.addEventListener("focusin", function (event) {
    var link = factLink(event.target);
    if (link && lastPointer !== "touch") show(link); // a tap is handled on click
  });

  document.addEventListener("focusout", function (event) {
    var link = factLink(event.target);
    if (link && link === current && lastPointer !== "touch") later();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Tab") lastPointer = "keyboard";
    if (event.key === "Escape" && pop && !pop.hidden) hide();
  });

  window.addEventListener("scroll", function () {
    if (current && pop && !pop.hidden) place(current);
  }, { passive: true });

  window.addEventListener("resize", function () {
    if (current && pop && !pop.hidden) place(current);
  });

  window.khubFacts = { actions: [], data: data, show: show, hide: hide, humanDate: humanDate };

  // Material's instant navigation swaps the page: close the popover of the page left.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(hide);
  }
})();
