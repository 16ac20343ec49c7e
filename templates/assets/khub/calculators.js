/* khub calculators: make the server-rendered calculators live.
 *
 * Reads the site's own api/v1/calculators.json (the path comes from each mount's
 * data-khub-src, relative to the site root, which is two folders above this script).
 * Knows no calculator by name: the JSON carries each one's inputs, compiled formulas and
 * kind of results (outputs, table or rules), built from data/calculators.yml.
 * Every function below mirrors one in scripts/khub/calcfmt.py, calcexpr.py,
 * calculators.py or calculator_html.py; tests/browser/test_calc_parity.py holds them equal.
 * Works with Material's instant navigation: mounts on every document$ emission.
 */
(function () {
  "use strict";

  var SCRIPT = document.currentScript && document.currentScript.src;
  var ROOT = new URL(SCRIPT ? "../../" : "./", SCRIPT || document.baseURI);
  var MAX_RESULT = 1e21;
  var VERDICT = "_verdict";
  var SCHEMA_VERSION = 2;
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

  function percent(v) { return trimmed(v, 2); }
  function times(v) { return trimmed(v, v >= 10 ? 0 : 1); }

  /* Each kind: how one number shows, and the unit written once after the value or range. */
  var KINDS = {
    usd: [money, ""],
    tokens: [tokens, ""],
    percent: [percent, "%"],
    multiplier: [times, "×"],
    weeks: [percent, " weeks"],
    plain: [plain, ""]
  };

  function formatValue(value, kind) {
    var number = KINDS[kind][0], tail = KINDS[kind][1];
    if (Array.isArray(value)) {
      if (value[0] !== value[1]) return number(value[0]) + "–" + number(value[1]) + tail;
      value = value[0];
    }
    return number(value) + tail;
  }

  function plainValue(value) {
    return formatValue(value, "plain");
  }

  var SEPARATORS = /[ \t\n\r\u00a0\u202f,_]/g;

  function parseNumber(text) {
    var cleaned = String(text).replace(SEPARATORS, "");
    if (!cleaned) return [null, "empty"];
    if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$/i.test(cleaned)) {
      return [null, "not_a_number"];
    }
    var value = Number(cleaned) + 0;
    if (!isFinite(value)) return [null, "too_large"];
    return [value, null];
  }

  function parseRange(text) {
    var cleaned = String(text).replace(SEPARATORS, "");
    var match = /^(.+?)(?:–|—|to|(?<=[0-9.])-)(.+)$/i.exec(cleaned);
    if (!match) return parseNumber(cleaned);
    var low = parseNumber(match[1]), high = parseNumber(match[2]);
    if (low[1] || high[1] || low[0] === null || high[0] === null) {
      return [null, low[1] || high[1] || "not_a_number"];
    }
    return [[low[0], high[0]], null];
  }

  /* ---- the compiled formulas (calcexpr.py) -------------------------------------- */

  var ARITH = { "+": 1, "-": 1, "*": 1, "/": 1 };
  var COMPARE = { "<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠" };
  var PRECEDENCE = { "+": 1, "-": 1, "*": 2, "/": 2 };
  var SYMBOL = { "+": "+", "-": "−", "*": "×", "/": "÷" };

  function truth(value) {
    if (typeof value !== "boolean") throw new Error("a number is not a condition");
    return value;
  }

  function pair(value) {
    if (typeof value === "boolean") throw new Error("true/false is not a number");
    return Array.isArray(value) ? [value[0], value[1]] : [value, value];
  }

  function single(p) {
    var same = p[0] === p[1] || (isNaN(p[0]) && isNaN(p[1]));
    return same ? p[0] : [p[0], p[1]];
  }

  function hull(values) {
    if (values.some(function (v) { return isNaN(v); })) return [NaN, NaN];
    return [Math.min.apply(null, values), Math.max.apply(null, values)];
  }

  function arith(op, a, b) {
    if (a[0] === a[1] && b[0] === b[1]) {
      var x = a[0], y = b[0];
      var exact = op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : x / y;
      return [exact, exact];
    }
    if (op === "+") return [a[0] + b[0], a[1] + b[1]];
    if (op === "-") return [a[0] - b[1], a[1] - b[0]];
    if (op === "/" && b[0] <= 0 && 0 <= b[1]) return [-Infinity, Infinity];
    var out = [];
    a.forEach(function (x) {
      b.forEach(function (y) { out.push(op === "/" ? x / y : x * y); });
    });
    return hull(out);
  }

  function call(op, values) {
    if (op === "neg") return [-values[0][1], -values[0][0]];
    if (op === "low") return [values[0][0], values[0][0]];
    if (op === "high") return [values[0][1], values[0][1]];
    if (op === "min" || op === "max") {
      var nan = values.some(function (v) { return isNaN(v[0]) || isNaN(v[1]); });
      if (nan) return [NaN, NaN];
      var pick = op === "min" ? Math.min : Math.max;
      return [pick.apply(null, values.map(function (v) { return v[0]; })),
        pick.apply(null, values.map(function (v) { return v[1]; }))];
    }
    throw new Error("unknown operator '" + op + "'");
  }

  function compare(op, a, b) {
    if (op === ">=") return a[0] >= b[1];
    if (op === ">") return a[0] > b[1];
    if (op === "<=") return a[1] <= b[0];
    if (op === "<") return a[1] < b[0];
    if (op === "==") return a[0] === a[1] && a[1] === b[0] && b[0] === b[1];
    return a[1] < b[0] || a[0] > b[1];
  }

  function evaluate(expr, env) {
    if (typeof expr === "boolean") throw new Error("true/false is not a formula");
    if (typeof expr === "number") return expr;
    if (typeof expr === "string") {
      if (!Object.prototype.hasOwnProperty.call(env, expr)) {
        throw new Error("unknown variable '" + expr + "'");
      }
      return env[expr];
    }
    var op = expr[0];
    var args = expr.slice(1);
    if (op === "if") return evaluate(truth(evaluate(args[0], env)) ? args[1] : args[2], env);
    if (op === "and" || op === "or") {
      var a = truth(evaluate(args[0], env)), b = truth(evaluate(args[1], env));
      return op === "and" ? a && b : a || b;
    }
    if (op === "not") return !truth(evaluate(args[0], env));
    var values = args.map(function (arg) { return pair(evaluate(arg, env)); });
    if (COMPARE[op]) return compare(op, values[0], values[1]);
    if (ARITH[op]) return single(arith(op, values[0], values[1]));
    return single(call(op, values));
  }

  function render(expr, show, parent, right) {
    if (!Array.isArray(expr)) return show(expr);
    var op = expr[0];
    var args = expr.slice(1);
    var r = function (a) { return render(a, show, 0, false); };
    if (op === "if") return "(" + r(args[1]) + " if " + r(args[0]) + ", else " + r(args[2]) + ")";
    if (op === "min" || op === "max" || op === "low" || op === "high") {
      return op + "(" + args.map(r).join(", ") + ")";
    }
    if (COMPARE[op]) return r(args[0]) + " " + COMPARE[op] + " " + r(args[1]);
    if (op === "and" || op === "or") return "(" + r(args[0]) + " " + op + " " + r(args[1]) + ")";
    if (op === "not") return "not " + render(args[0], show, 3, false);
    if (op === "neg") return "−" + render(args[0], show, 3, false);
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
      .replace("{default}", plainValue(item["default"]));
  }

  function readNumber(item, raw) {
    var value;
    if (typeof raw === "string") {
      var parsed = item.range ? parseRange(raw) : parseNumber(raw);
      if (parsed[1] || parsed[0] === null) return [null, parsed[1] || "not_a_number"];
      value = parsed[0];
    } else if (Array.isArray(raw)) {
      if (!item.range) return [null, "not_a_number"];
      value = [Number(raw[0]) + 0, Number(raw[1]) + 0];
    } else {
      value = Number(raw) + 0;
    }
    var edges = Array.isArray(value) ? value : [value];
    for (var i = 0; i < edges.length; i++) {
      var edge = edges[i];
      if (!isFinite(edge)) return [null, "too_large"];
      if (edge < item.min || (item.min_exclusive && edge === item.min)) {
        return [null, item.min_exclusive ? "min_exclusive" : "min"];
      }
      if (edge > item.max) return [null, "max"];
    }
    if (Array.isArray(value)) {
      if (value[0] > value[1]) return [null, "range_order"];
      return [value[0] === value[1] ? value[0] : value, null];
    }
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

  function low(value) {
    return Array.isArray(value) ? value[0] : value;
  }

  function namesIn(expr, out) {
    out = out || {};
    if (typeof expr === "string") out[expr] = true;
    else if (Array.isArray(expr)) expr.slice(1).forEach(function (a) { namesIn(a, out); });
    return out;
  }

  function known(expr, scope, extra) {
    return Object.keys(namesIn(expr)).every(function (n) {
      return Object.prototype.hasOwnProperty.call(scope, n) || (extra && extra[n]);
    });
  }

  /* An output is computed only when every name its formula reads has a value. */
  function outputsOf(spec, scope) {
    var outputs = {};
    spec.outputs.forEach(function (out) {
      if (known(out.formula, scope)) scope[out.id] = outputs[out.id] = evaluate(out.formula, scope);
    });
    return outputs;
  }

  function tableOf(spec, scope) {
    var formula = spec.outputs[0].formula;
    var given = {};
    spec.table.rows.forEach(function (row) { Object.keys(row.values).forEach(function (n) { given[n] = true; }); });
    if (!known(formula, scope, given)) return {};
    var labels = {};
    var rows = spec.table.rows.map(function (row) {
      labels[row.id] = row.label;
      return { id: row.id, value: evaluate(formula, Object.assign({}, scope, row.values)) };
    });
    rows.sort(function (a, b) {
      var x = low(a.value), y = low(b.value);
      if (x !== y) return x < y ? -1 : 1;
      return labels[a.id] < labels[b.id] ? -1 : labels[a.id] > labels[b.id] ? 1 : 0;
    });
    var lowest = rows.length ? low(rows[0].value) : 0;
    rows.forEach(function (row) { row.lowest = low(row.value) === lowest; });
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

  function rulesOf(spec, scope, picked) {
    var outputs = outputsOf(spec, scope);
    var by = spec.rules.by, has = Object.prototype.hasOwnProperty;
    variableIds(spec).forEach(function (vid) {
      var variable = spec.variables[vid];
      if (variable.bands && has.call(outputs, by)) outputs[vid] = pickBand(variable.bands, low(outputs[by]));
      else if (!variable.bands && has.call(picked, vid)) outputs[vid] = picked[vid];
    });
    if (spec.reconcile) {
      var chosen = {};
      variableIds(spec).forEach(function (vid) {
        if (has.call(outputs, vid)) chosen[vid] = outputs[vid];
      });
      var verdict = reconcile(spec.reconcile.rules, chosen);
      if (verdict !== null) outputs[VERDICT] = verdict;
    }
    return outputs;
  }

  /* The first rule whose conditions hold decides; one resting on an unknown answer waits. */
  function reconcile(rules, chosen) {
    for (var i = 0; i < rules.length; i++) {
      var state = true, when = rules[i].when;
      var vids = Object.keys(when);
      for (var j = 0; j < vids.length; j++) {
        if (!Object.prototype.hasOwnProperty.call(chosen, vids[j])) state = null;
        else if (when[vids[j]].indexOf(chosen[vids[j]]) < 0) { state = false; break; }
      }
      if (state === null) return null;
      if (state) return rules[i].id;
    }
    return null;
  }

  /* The variables in the order of data/decision-rules.yml (the JSON's keys are sorted). */
  function variableIds(spec) {
    return spec.order || Object.keys(spec.variables);
  }

  function ruleOf(spec, id) {
    return spec.reconcile.rules.filter(function (r) { return r.id === id; })[0];
  }

  function standing(spec, vid, entry, ruleId) {
    var rule = ruleOf(spec, ruleId), status = spec.reconcile.status;
    if (rule.wins === vid) return status.decides;
    if (!entry.leans) return status.neutral;
    return entry.leans === rule.outcome ? status.agrees : status.outweighed;
  }

  var RESULTS = { outputs: outputsOf, table: tableOf, rules: rulesOf };

  function compute(data, name, inputs) {
    var spec = data.calculators[name];
    if (!spec) throw new Error("unknown calculator '" + name + "'");
    var read = readInputs(data.messages, spec.inputs, inputs || {});
    var errors = read[0];
    var scope = Object.assign({}, read[1]);
    spec.constants.forEach(function (c) { scope[c.id] = c.value; });
    var outputs = RESULTS[spec.kind](spec, scope, read[2]);
    var fine = numbers(outputs, []).every(function (v) { return isFinite(v) && Math.abs(v) < MAX_RESULT; });
    if (!fine) {
      errors = Object.assign({}, errors, { _: data.messages.result_too_large });
      return { ok: false, errors: errors, values: read[1], outputs: {} };
    }
    return { ok: !Object.keys(errors).length, errors: errors, values: read[1], outputs: outputs };
  }

  /* ---- the parts that change (calculator_html.py) ------------------------------- */

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&#34;").replace(/'/g, "&#39;");
  }

  function showOutput(out, value) {
    return formatValue(value, out.format) + out.suffix;
  }

  function formats(spec) {
    var kinds = {};
    spec.inputs.forEach(function (i) { kinds[i.id] = i.format || "plain"; });
    spec.constants.forEach(function (c) { kinds[c.id] = c.format; });
    spec.outputs.forEach(function (o) { kinds[o.id] = o.format; });
    if (spec.table) spec.table.columns.forEach(function (c) { kinds[c.id] = c.format; });
    return kinds;
  }

  function numeric(spec, formula, scope) {
    var kinds = formats(spec);
    var values = {};
    spec.constants.forEach(function (c) { values[c.id] = c.value; });
    Object.assign(values, scope);
    return render(formula, function (leaf) {
      return typeof leaf === "string" ? formatValue(values[leaf], kinds[leaf]) : plain(leaf);
    });
  }

  function working(spec, out, scope) {
    return numeric(spec, out.formula, scope) + " = " + showOutput(out, scope[out.id]);
  }

  function tableRows(spec, outputs, values) {
    var table = spec.table, out = spec.outputs[0];
    var rows = {};
    table.rows.forEach(function (row) { rows[row.id] = row; });
    return outputs.rows.map(function (shown) {
      var row = rows[shown.id];
      return "<tr" + (shown.lowest ? ' class="khub-calc__cheapest"' : "") + '><th scope="row">' +
        esc(row.label) + (shown.lowest ? ' <strong class="khub-calc__badge">' + esc(table.badge) + "</strong>" : "") +
        "</th><td>" + esc(showOutput(out, shown.value)) + "</td><td>" +
        esc(numeric(spec, out.formula, Object.assign({}, values, row.values))) + "</td></tr>";
    }).join("");
  }

  function decisionItem(spec, vid, entry, ruleId) {
    var rule = entry.no_rule ? '<strong class="khub-calc__norule">No rule.</strong> ' : "";
    var status = ruleId ? ' <span class="khub-calc__status">[' + esc(standing(spec, vid, entry, ruleId)) + "]</span>" : "";
    return '<li data-var="' + esc(vid) + '"' + (entry.no_rule ? ' class="khub-calc__norule-item"' : "") +
      "><strong>" + esc(spec.variables[vid].label) + "</strong> (" + esc(entry.label) + ")" + status + ": " +
      rule + esc(entry.recommendation) + ' <span class="khub-calc__reason">Why: ' + esc(entry.reason) +
      "</span></li>";
  }

  function entryOf(variable, id) {
    return (variable.bands || variable.options).filter(function (e) { return e.id === id; })[0];
  }

  function decisionItems(spec, outputs) {
    return variableIds(spec).map(function (vid) {
      var variable = spec.variables[vid];
      if (!Object.prototype.hasOwnProperty.call(outputs, vid)) {
        return '<li data-var="' + esc(vid) + '"><strong>' + esc(variable.label) + "</strong>: " +
          esc(spec.rules.waiting) + "</li>";
      }
      return decisionItem(spec, vid, entryOf(variable, outputs[vid]), outputs[VERDICT]);
    }).join("");
  }

  function verdictHtml(spec, outputs) {
    var rec = spec.reconcile;
    var head = "<strong>" + esc(rec.heading) + ":</strong> ";
    var id = outputs[VERDICT];
    if (!id) return "<p>" + head + esc(rec.waiting) + "</p>";
    var rule = ruleOf(spec, id);
    var decided = rec.decided_by.replace("{variable}", spec.variables[rule.wins].label)
      .replace("{strength}", rule.strength);
    return "<p>" + head + '<span class="khub-calc__outcome">' + esc(rule.recommendation) + "</span> " +
      '<span class="khub-calc__decided">(' + esc(decided) + ")</span></p>" +
      '<p class="khub-calc__reason">Why: ' + esc(rule.because) + "</p>";
  }

  /* Paint the results of one kind; return the sentence the live region announces. */
  var PAINT = {
    outputs: function (root, spec, result) {
      var scope = Object.assign({}, result.values, result.outputs);
      var byId = {}, has = Object.prototype.hasOwnProperty;
      spec.outputs.forEach(function (out) {
        byId[out.id] = out;
        var shown = has.call(result.outputs, out.id);
        root.querySelector('[data-out="' + out.id + '"]').textContent = shown ? showOutput(out, result.outputs[out.id]) : "—";
        root.querySelector('[data-work="' + out.id + '"]').textContent = shown ? working(spec, out, scope) : "—";
      });
      return spec.announce.filter(function (id) { return has.call(result.outputs, id); }).map(function (id) {
        return byId[id].label + ": " + showOutput(byId[id], result.outputs[id]);
      }).join("; ");
    },
    table: function (root, spec, result) {
      var results = root.querySelector("[data-khub-results]");
      if (!result.outputs.rows) {
        results.innerHTML = '<tr><td colspan="3">' + esc(spec.table.waiting) + "</td></tr>";
        return "";
      }
      results.innerHTML = tableRows(spec, result.outputs, result.values);
      var first = result.outputs.rows[0];
      var row = spec.table.rows.filter(function (r) { return r.id === first.id; })[0];
      var badge = spec.table.badge.charAt(0).toUpperCase() + spec.table.badge.slice(1);
      return badge + ": " + row.label + " at " + showOutput(spec.outputs[0], first.value);
    },
    rules: function (root, spec, result) {
      root.querySelector("[data-khub-results]").innerHTML = decisionItems(spec, result.outputs);
      var box = root.querySelector(".khub-calc__verdict");
      if (box && spec.reconcile) box.innerHTML = verdictHtml(spec, result.outputs);
      var id = result.outputs[VERDICT];
      return id ? spec.reconcile.heading + ": " + ruleOf(spec, id).recommendation : "";
    }
  };

  /* Paint every result that could be worked out; say what is wrong with the rest. */
  function paint(root, spec, result) {
    var general = result.errors._;
    if (general) {
      var results = root.querySelector("[data-khub-results]");
      if (spec.kind === "outputs") {
        root.querySelectorAll("[data-out], [data-work]").forEach(function (el) { el.textContent = "—"; });
      } else if (spec.kind === "table") {
        results.innerHTML = '<tr><td colspan="3">' + esc(general) + "</td></tr>";
      } else {
        results.innerHTML = "<li>" + esc(general) + "</li>";
      }
      return general;
    }
    var summary = PAINT[spec.kind](root, spec, result);
    if (result.ok) return summary;
    var problems = "Check the input: " + Object.keys(result.errors).map(function (k) {
      return result.errors[k];
    }).join(" ");
    return summary ? problems + " " + summary : problems;
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

  /* A wide select repeats its chosen label below it, where a narrow screen can wrap it. */
  function showChosen(root) {
    root.querySelectorAll(".khub-calc__chosen").forEach(function (box) {
      var select = box.parentNode.querySelector("select");
      if (select && select.selectedIndex >= 0) box.textContent = select.options[select.selectedIndex].text;
    });
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

  function update(root, data, name) {
    var form = root.querySelector("form");
    var inputs = readForm(form);
    var result = compute(data, name, inputs);
    var spec = data.calculators[name];
    showErrors(root, spec, result.errors);
    showChosen(root);
    var summary = paint(root, spec, result);
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
      if (data.schema_version !== SCHEMA_VERSION) {
        throw new Error("calculator data version " + data.schema_version + ", expected " + SCHEMA_VERSION);
      }
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
    parseRange: parseRange,
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
