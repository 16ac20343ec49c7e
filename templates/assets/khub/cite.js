/* khub "Cite this figure": a button in the fact popover (facts.js) that gives a citation.
 *
 * The citation names the figure, its value, the hub, the current edition and the figure's
 * permalink in that edition (/editions/YYYY-MM/facts/SERIES/#SUBJECT), as
 * khub.render.cite.citation writes it on the archive's fact pages. What it needs comes from
 * this site only: api/v1/cite.json (hub name, edition, permalink pattern) and the history
 * file of the figure's series, api/v1/facts/SERIES.json (series title, label, periods). The
 * series and subject are read from the figure's own link (facts/SERIES/#SUBJECT, derived
 * figures facts/derived[/N]/#ID), which khub writes. Text is set with textContent only.
 */
(function () {
  "use strict";

  var SCRIPT = document.currentScript && document.currentScript.src;
  var ROOT = new URL(SCRIPT ? "../../" : "./", SCRIPT || document.baseURI);
  var PAGE = /\/facts\/([a-z0-9][a-z0-9-]*)\/(?:[0-9]+\/)?$/;
  var loads = {};

  function json(path) {
    var url = new URL(path, ROOT).href;
    if (!loads[url]) {
      loads[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status + " for " + url);
        return response.json();
      });
      loads[url].catch(function () { delete loads[url]; });
    }
    return loads[url];
  }

  function place(href) {
    var url = new URL(href, document.baseURI);
    var found = PAGE.exec(url.pathname);
    var subject = decodeURIComponent(url.hash.slice(1));
    return found && subject ? { series: found[1], subject: subject } : null;
  }

  function shown(link) {
    var copy = link.cloneNode(true);
    copy.querySelectorAll(".khub-label, .khub-badge, .khub-sr").forEach(function (el) {
      el.remove();
    });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  function today() {
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  }

  function citation(link, where, meta, history) {
    var fact = window.khubFacts.data(link);
    var entry = history && history.facts ? history.facts[fact.id] : null;
    var current = entry && entry.periods.length ? entry.periods[entry.periods.length - 1] : null;
    if (!current || current.until !== null || current.as_of !== fact.asOf) {
      return "This figure is not yet in a published edition: cite its fact page, " +
        new URL(fact.href, document.baseURI).href + ".";
    }
    var address = meta.permalink
      .replace("{series}", encodeURIComponent(where.series))
      .replace("{subject}", encodeURIComponent(where.subject));
    var label = history.title ? history.title + ": " + entry.label : entry.label;
    return label + ": " + shown(link) + ". " + meta.hub + ", " + meta.edition_name +
      " edition. " + new URL(address, ROOT).href + " (accessed " +
      window.khubFacts.humanDate(today()) + ").";
  }

  function action(link, area) {
    var where = place(window.khubFacts.data(link).href);
    if (!where) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "khub-pop__cite";
    button.textContent = "Cite this figure";
    var out = document.createElement("p");
    out.className = "khub-pop__citation";
    out.hidden = true;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      event.stopPropagation();
      Promise.all([json("api/v1/cite.json"), json("api/v1/facts/" + where.series + ".json")])
        .then(function (got) {
          out.textContent = citation(link, where, got[0], got[1]);
          out.hidden = false;
          if (navigator.clipboard && window.isSecureContext) {
            navigator.clipboard.writeText(out.textContent).then(function () {
              button.textContent = "Copied";
            }, function () { /* the text stays shown to select by hand */ });
          }
        })
        .catch(function () {
          out.textContent = "The citation could not be loaded; the fact page has it.";
          out.hidden = false;
        });
    });
    area.appendChild(button);
    area.appendChild(out);
  }

  function install() {
    if (!window.khubFacts || window.khubFacts.actions.indexOf(action) >= 0) return;
    window.khubFacts.actions.push(action);
  }

  install();
})();
