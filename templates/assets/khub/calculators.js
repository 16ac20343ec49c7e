/* khub calculators: make the server-rendered calculators live.
 *
 * Reads the site's own api/v1/calculators.json (the path comes from each mount's
 * data-khub-src, relative to the site root, which is two folders above this script).
 * Every function below mirrors one in scripts/khub/calcfmt.py, calcexpr.py,
 * calculators.py or calculator_html.py; tests/browser/test_parity.py holds them equal.
 * Works with Material's instant navigation: mounts on every document$ emission.
 */
(function () {
  "use strict";

  var SCRIPT = document.currentScript && document.currentScript.src;
  var ROOT = new URL(SCRIPT ? "../../" : "./", SCRIPT || document.baseURI);
  var MAX_RESULT = 1e21;
  var loads = {};

  /* ---- numbers (calcfmt.py) ---------------------------------------------------- */

  function group(whole) {
    return whole.replace(/\B(?=([0-9]{3})+(?![0-9]))/g, ",");
  }

  function fixed(value, decimals) {
    var text = (value + 0).toFixed(decimals);
    var dot = text.indexOf(".");
    return dot < 0 ? group(text) : group(text.slice(0, dot)) + text.slice(dot);
  }

  function trimmed(value, decimals) {
    var text = fixed(value, decimals);
    return text.indexOf(".") < 0 ? text : text.replace(/0+$/, "").replace(/\.$/, "");
  }

  function money(value) {
    if (value > 0 && value < 0.005) return "less than $0.01";
    return "$" + fixed(value, Number.isInteger(value) ? 0 : 2);
  }

  var STEPS = [[1e12, "T"], [1e9, "B"], [1e6, "M"]];

  function tokens(value) {
    for (var i = 0; i < STEPS.length; i++) {
      if (value >= STEPS[i][0]) return trimmed(value / STEPS[i][0], 2) + STEPS[i][1];
    }
    return trimmed(value, 2);
  }

  function plain(value) {
    return trimmed(value, 6);
  }

  function multiplier(value) {
    return trimmed(value, value >= 10 ? 0 : 1) + "×";
  }

  var KINDS = {
    usd: money,
    tokens: tokens,
    percent: function (v) { return trimmed(v, 2) + "%"; },
    multiplier: multiplier,
    weeks: function (v) { return trimmed(v, 2) + " weeks"; },
    plain: plain
  };

  function formatValue(value, kind) {
    return KINDS[kind](value);
  }

  function parseNumber(text) {
    var cleaned = String(text).replace(/[ \t\n\r\u00a0\u202f,_]/g, "");
    if (!cleaned) return [null, "empty"];
    if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$/i.test(cleaned)) {
      return [null, "not_a_number"];
    }
    var value = Number(cleaned) + 0;
    if (!isFinite(value)) return [null, "too_large"];
    return [value, null];
  }

  /* ---- formulas as data (calcexpr.py) ------------------------------------------ */

  var BINARY = {
    "+": function (a, b) { return a + b; },
    "-": function (a, b) { return a - b; },
    "*": function (a, b) { return a * b; },
    "/": function (a, b) { return a / b; }
  };
  var PRECEDENCE = { "+": 1, "-": 1, "*": 2, "/": 2 };
  var SYMBOL = { "+": "+", "-": "−", "*": "×", "/": "÷" };

  function evaluate(expr, env) {
    if (typeof expr === "number") return expr;
    if (typeof expr === "string") {
      if (!(expr in env)) throw new Error("unknown variable '" + expr + "'");
      return env[expr];
    }
    var op = expr[0];
    if (op === "if") return evaluate(evaluate(expr[1], env) ? expr[2] : expr[3], env);
    var values = expr.slice(1).map(function (a) { return evaluate(a, env); });
    if (BINARY[op]) return BINARY[op](values[0], values[1]);
    if (op === "<") return values[0] < values[1] ? 1 : 0;
    if (op === "min") return Math.min.apply(null, values);
    if (op === "max") return Math.max.apply(null, values);
    throw new Error("unknown operator '" + op + "'");
  }

  function render(expr, show, parent, right) {
    if (!Array.isArray(expr)) return show(expr);
    var op = expr[0];
    var args = expr.slice(1);
    var r = function (a) { return render(a, show, 0, false); };
    if (op === "if") return "(" + r(args[1]) + " if " + r(args[0]) + ", else " + r(args[2]) + ")";
    if (op === "min" || op === "max") return op + "(" + args.map(r).join(", ") + ")";
    if (op === "<") return r(args[0]) + " < " + r(args[1]);
    var level = PRECEDENCE[op];
    var text = render(args[0], show, level, false) + " " + SYMBOL[op] + " " +
      render(args[1], show, level, true);
    var needs = level < (parent || 0) || (right && level === parent);
    return needs ? "(" + text + ")" : text;
  }

  /* ---- the reference computation (calculators.py) ------------------------------ */

  function message(messages, key, item) {
    return messages[key]
      .replace("{min}", plain(item.min))
      .replace("{max}", plain(item.max))
      .replace("{default}", plain(item["default"]));
  }

  function readNumber(item, raw) {
    var value;
    if (typeof raw === "string") {
      var parsed = parseNumber(raw);
      if (parsed[1]) return parsed;
      value = parsed[0];
    } else {
      value = Number(raw) + 0;
    }
    if (!isFinite(value)) return [null, "too_large"];
    if (value < item.min || (item.min_exclusive && value === item.min)) {
      return [null, item.min_exclusive ? "min_exclusive" : "min"];
    }
    if (value > item.max) return [null, "max"];
    return [value, null];
  }

  function readInputs(messages, items, inputs) {
    var errors = {}, env = {}, picked = {};
    items.forEach(function (item) {
      var raw = Object.prototype.hasOwnProperty.call(inputs, item.id) ? inputs[item.id] : item["default"];
      if (item.kind === "choice") {
        var match = item.options.filter(function (o) { return o.id === raw; });
        if (!match.length) {
          errors[item.id] = messages.choice;
          return;
        }
        picked[item.id] = String(raw);
        if ("value" in match[0]) env[item.id] = match[0].value;
        return;
      }
      var read = readNumber(item, raw);
      if (read[1] || read[0] === null) errors[item.id] = message(messages, read[1] || "not_a_number", item);
      else env[item.id] = read[0];
    });
    return [errors, env, picked];
  }

  function numbers(value, out) {
    if (typeof value === "number") out.push(value);
    else if (Array.isArray(value)) value.forEach(function (v) { numbers(v, out); });
    else if (value && typeof value === "object") {
      Object.keys(value).forEach(function (k) { numbers(value[k], out); });
    }
    return out;
  }

  function computeSelfHosting(spec, env) {
    var scope = Object.assign({}, env);
    spec.constants.forEach(function (c) { scope[c.id] = c.value; });
    var outputs = {};
    spec.outputs.forEach(function (out) {
      scope[out.id] = outputs[out.id] = evaluate(out.formula, scope);
    });
    return outputs;
  }

  function computeApiCost(spec, env) {
    var labels = {};
    var rows = spec.models.map(function (m) {
      labels[m.id] = m.label;
      var scope = Object.assign({}, env, { input_price: m.input_price, output_price: m.output_price });
      return { id: m.id, cost: evaluate(spec.formula, scope) };
    });
    rows.sort(function (a, b) {
      if (a.cost !== b.cost) return a.cost < b.cost ? -1 : 1;
      return labels[a.id] < labels[b.id] ? -1 : labels[a.id] > labels[b.id] ? 1 : 0;
    });
    var cheapest = rows.length ? rows[0].cost : 0;
    rows.forEach(function (row) { row.cheapest = row.cost === cheapest; });
    return { rows: rows, total: rows.length };
  }

  function pickBand(bands, perDay) {
    for (var i = 0; i < bands.length; i++) {
      var limit = bands[i].to;
      if (limit === null || perDay < limit || (bands[i].inclusive && perDay === limit)) {
        return bands[i].id;
      }
    }
    return bands[bands.length - 1].id;
  }

  function computeDecision(spec, env, picked) {
    var perDay = env.volume / env.volume_unit;
    var outputs = {};
    Object.keys(spec.variables).forEach(function (vid) {
      var variable = spec.variables[vid];
      outputs[vid] = variable.bands ? pickBand(variable.bands, perDay) : picked[vid];
    });
    return outputs;
  }

  var COMPUTE = {
    "self-hosting-breakeven": computeSelfHosting,
    "api-cost": computeApiCost,
    "decision-helper": computeDecision
  };

  function compute(data, name, inputs) {
    var spec = data.calculators[name];
    if (!spec) throw new Error("unknown calculator '" + name + "'");
    var read = readInputs(data.messages, spec.inputs, inputs || {});
    if (Object.keys(read[0]).length) return { ok: false, errors: read[0], values: {}, outputs: {} };
    var outputs = COMPUTE[name](spec, read[1], read[2]);
    var fine = numbers(outputs, []).every(function (v) { return isFinite(v) && Math.abs(v) < MAX_RESULT; });
    if (!fine) {
      return { ok: false, errors: { _: data.messages.result_too_large }, values: {}, outputs: {} };
    }
    return { ok: true, errors: {}, values: read[1], outputs: outputs };
  }

  /* ---- the parts that change (calculator_html.py) ------------------------------- */

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&#34;").replace(/'/g, "&#39;");
  }

  function showOutput(out, value) {
    return formatValue(value, out.format) + (out.suffix || "");
  }

  function formats(spec) {
    var kinds = {};
    spec.inputs.forEach(function (i) { kinds[i.id] = i.format || "plain"; });
    spec.constants.forEach(function (c) { kinds[c.id] = c.format; });
    spec.outputs.forEach(function (o) { kinds[o.id] = o.format; });
    return kinds;
  }

  function working(spec, out, scope) {
    var kinds = formats(spec);
    var values = Object.assign({}, scope);
    spec.constants.forEach(function (c) { values[c.id] = c.value; });
    var show = function (leaf) {
      return typeof leaf === "string" ? formatValue(values[leaf], kinds[leaf]) : plain(leaf);
    };
    return render(out.formula, show) + " = " + showOutput(out, scope[out.id]);
  }

  function apiWorking(spec, model, inputs) {
    var values = Object.assign({}, inputs, { input_price: model.input_price, output_price: model.output_price });
    var show = function (leaf) {
      if (typeof leaf !== "string") return plain(leaf);
      return formatValue(values[leaf], /_tokens$/.test(leaf) ? "tokens" : "usd");
    };
    return render(spec.formula, show);
  }

  function apiRows(spec, outputs, inputs) {
    var models = {};
    spec.models.forEach(function (m) { models[m.id] = m; });
    return outputs.rows.map(function (row) {
      var model = models[row.id];
      return "<tr" + (row.cheapest ? ' class="khub-calc__cheapest"' : "") + '><th scope="row">' +
        esc(model.label) + (row.cheapest ? ' <strong class="khub-calc__badge">cheapest</strong>' : "") +
        "</th><td>" + esc(money(row.cost) + spec.suffix) + "</td><td>" +
        esc(apiWorking(spec, model, inputs)) + "</td></tr>";
    }).join("");
  }

  function decisionItems(spec, outputs) {
    return Object.keys(spec.variables).map(function (vid) {
      var variable = spec.variables[vid];
      var entries = variable.bands || variable.options;
      var entry = entries.filter(function (e) { return e.id === outputs[vid]; })[0];
      var rule = entry.no_rule ? '<strong class="khub-calc__norule">No rule.</strong> ' : "";
      return '<li data-var="' + esc(vid) + '"' + (entry.no_rule ? ' class="khub-calc__norule-item"' : "") +
        "><strong>" + esc(variable.label) + "</strong> (" + esc(entry.label) + "): " + rule +
        esc(entry.recommendation) + ' <span class="khub-calc__reason">Why: ' + esc(entry.reason) +
        "</span></li>";
    }).join("");
  }

  /* ---- the page ---------------------------------------------------------------- */

  function load(src) {
    var url = new URL(src || "api/v1/calculators.json", ROOT).href;
    /* Calculator data comes from this site only; a page cannot point it at another host. */
    if (new URL(url).origin !== ROOT.origin) {
      return Promise.reject(new Error("calculator data from another host: " + url));
    }
    if (!loads[url]) {
      loads[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status + " for " + url);
        return response.json();
      });
      loads[url].catch(function () { delete loads[url]; });
    }
    return loads[url];
  }

  function readForm(form) {
    var inputs = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name) inputs[el.name] = el.value;
    });
    return inputs;
  }

  function showErrors(root, spec, errors) {
    spec.inputs.forEach(function (item) {
      var field = root.querySelector('[name="' + item.id + '"]');
      var box = field && document.getElementById(field.id + "-error");
      if (!field || !box) return;
      var text = errors[item.id] || "";
      box.textContent = text;
      box.hidden = !text;
      if (text) field.setAttribute("aria-invalid", "true");
      else field.removeAttribute("aria-invalid");
    });
  }

  function paint(root, data, name, result, inputs) {
    var spec = data.calculators[name];
    var results = root.querySelector("[data-khub-results]");
    if (!result.ok) {
      var general = result.errors._;
      if (name === "self-hosting-breakeven") {
        root.querySelectorAll("[data-out], [data-work]").forEach(function (el) { el.textContent = "—"; });
      } else {
        results.innerHTML = name === "api-cost"
          ? '<tr><td colspan="3">' + esc(general || "Correct the input above to see the costs.") + "</td></tr>"
          : "<li>" + esc(general || "Correct the input above to see the recommendations.") + "</li>";
      }
      return general || "Check the input: " + Object.keys(result.errors).map(function (k) {
        return result.errors[k];
      }).join(" ");
    }
    var scope = Object.assign({}, result.values, result.outputs);
    if (name === "self-hosting-breakeven") {
      spec.outputs.forEach(function (out) {
        root.querySelector('[data-out="' + out.id + '"]').textContent = showOutput(out, result.outputs[out.id]);
        root.querySelector('[data-work="' + out.id + '"]').textContent = working(spec, out, scope);
      });
      return spec.outputs.slice(0, 4).map(function (out) {
        return out.label + ": " + showOutput(out, result.outputs[out.id]);
      }).join("; ");
    }
    if (name === "api-cost") {
      results.innerHTML = apiRows(spec, result.outputs, result.values);
      var first = result.outputs.rows[0];
      var label = spec.models.filter(function (m) { return m.id === first.id; })[0].label;
      return "Cheapest: " + label + " at " + money(first.cost) + spec.suffix;
    }
    results.innerHTML = decisionItems(spec, result.outputs);
    return Object.keys(spec.variables).map(function (vid) {
      var entries = spec.variables[vid].bands || spec.variables[vid].options;
      var entry = entries.filter(function (e) { return e.id === result.outputs[vid]; })[0];
      return spec.variables[vid].label + ": " + entry.recommendation;
    }).join(" ");
  }

  function update(root, data, name) {
    var form = root.querySelector("form");
    var inputs = readForm(form);
    var result = compute(data, name, inputs);
    showErrors(root, data.calculators[name], result.errors);
    var summary = paint(root, data, name, result, inputs);
    var status = root.querySelector("[data-khub-status]");
    clearTimeout(root.khubTimer);
    root.khubTimer = setTimeout(function () { status.textContent = summary; }, 400);
    return result;
  }

  function mount(root) {
    if (root.getAttribute("data-khub-ready")) return;
    root.setAttribute("data-khub-ready", "loading");
    var name = root.getAttribute("data-khub-calc");
    load(root.getAttribute("data-khub-src")).then(function (data) {
      if (!data.calculators[name]) throw new Error("unknown calculator '" + name + "'");
      var form = root.querySelector("form");
      var run = function () { update(root, data, name); };
      form.addEventListener("input", run);
      form.addEventListener("change", run);
      form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
      var nojs = root.querySelector(".khub-calc__nojs");
      if (nojs) nojs.hidden = true;
      update(root, data, name);
      root.setAttribute("data-khub-ready", "ready");
    }).catch(function (error) {
      root.setAttribute("data-khub-ready", "failed");
      var nojs = root.querySelector(".khub-calc__nojs");
      if (nojs) nojs.textContent = "The calculator data could not be loaded, so these are the defaults.";
      if (window.console) console.warn("khub calculators:", error.message);
    });
  }

  function labelSearch() {
    /* Material's search dialog has no accessible name; axe counts that as serious. */
    var search = document.querySelector('.md-search[role="dialog"]');
    if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", "Search");
  }

  function mountAll() {
    labelSearch();
    document.querySelectorAll("[data-khub-calc]").forEach(mount);
  }

  window.khubCalc = {
    load: load,
    compute: compute,
    evaluate: evaluate,
    render: render,
    format: formatValue,
    parse: parseNumber,
    working: working,
    mountAll: mountAll,
    update: function (root) { return load(root.getAttribute("data-khub-src")).then(function (data) {
      return update(root, data, root.getAttribute("data-khub-calc"));
    }); }
  };

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(mountAll);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})();
