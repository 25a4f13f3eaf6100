/* The explorer's page script: the what-if form (check, run, progress, cancel, results). */
(function () {
  "use strict";
  var root = document.getElementById("whatif");
  if (!root) { return; }
  var config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  var form = document.getElementById("inputs");
  var runButton = document.getElementById("run");
  var cancelButton = document.getElementById("cancel");
  var progress = document.getElementById("progress");
  var status = document.getElementById("status");
  var formError = document.getElementById("form-error");
  var job = null;
  var checkTimer = null;

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Requested-With": "sim-explorer" },
      body: JSON.stringify(body || {})
    }).then(function (response) { return response.json(); });
  }

  function inputs() { return form.querySelectorAll(".field input, .field select"); }

  function changes() {
    var changed = {};
    inputs().forEach(function (input) {
      var field = input.closest(".field");
      var differs = input.value !== input.getAttribute("data-original");
      field.classList.toggle("changed", differs);
      if (differs) { changed[input.name] = input.value; }
    });
    var names = Object.keys(changed);
    document.getElementById("changed").textContent = names.length ?
      "changed: " + names.join(", ") : "";
    return changed;
  }

  function body() {
    return {
      source: root.getAttribute("data-source"),
      changes: changes(),
      replications: document.getElementById("replications").value,
      seed: document.getElementById("seed").value
    };
  }

  function showErrors(answer) {
    document.querySelectorAll(".field-error").forEach(function (p) {
      p.textContent = "";
      var field = p.closest(".field");
      if (field) { field.classList.remove("bad"); }
    });
    var errors = answer.errors || {};
    var first = null;
    Object.keys(errors).forEach(function (path) {
      var p = document.querySelector('.field-error[data-for="' + CSS.escape(path) + '"]');
      if (!p) { return; }
      p.textContent = errors[path];
      var field = p.closest(".field");
      if (field) {
        field.classList.add("bad");
        var block = field.closest("details");
        if (block) { block.open = true; }
      }
      first = first || p;
    });
    formError.hidden = !answer.error;
    formError.textContent = answer.error || "";
    if (first && first.scrollIntoView) { first.scrollIntoView({ block: "nearest" }); }
    return !Object.keys(errors).length && !answer.error;
  }

  // Checks and runs answer out of order: only the answer to the latest request is shown, so an older
  // check cannot wipe the errors a refused run has just shown.
  var asked = 0;

  function check() {
    var number = ++asked;
    post("/api/check", body()).then(function (answer) {
      if (number === asked) { showErrors(answer); }
    });
  }

  form.addEventListener("input", function () {
    changes();
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, 400);
  });
  form.addEventListener("change", check);

  function draw(id, spec) {
    var box = document.getElementById(id);
    if (box.data) { Plotly.purge(box); }
    box.innerHTML = "";
    if (!spec) { return; }
    Plotly.newPlot(box, spec.data, spec.layout, config);
  }

  function link(label, path) {
    return '<a href="/folder/' + encodeURI(path) + '">' + label + "</a>";
  }

  function escapeText(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  function showResult(state) {
    var result = state.result || {};
    draw("chart", result.fan);
    draw("forest", result.forest);
    var folders = state.folders || {};
    document.getElementById("links").innerHTML = "<p>Folders: " + [
      link("the what-if run", folders.variant), link("the baseline run", folders.baseline),
      link("the comparison", folders.comparison)].join(" · ") + "</p>";
    var rows = result.rows || [];
    var html = "<table><thead><tr><th class=\"text\">outcome</th><th>baseline</th><th>what-if</th>" +
      "<th>difference</th><th>95% interval</th><th class=\"text\">verdict</th></tr></thead><tbody>";
    var group = null;
    rows.forEach(function (row) {
      if (row.group !== group) {
        group = row.group;
        html += "<tr><th class=\"text\" colspan=\"6\">" + escapeText(group) + "</th></tr>";
      }
      html += "<tr" + (row.verdict.indexOf("beyond noise") >= 0 ? " class=\"beyond\"" : "") + ">" +
        "<td class=\"text\">" + escapeText(row.label) + "</td><td>" + escapeText(row.baseline) +
        "</td><td>" + escapeText(row.variant) + "</td><td>" + escapeText(row.difference) + "</td><td>" +
        escapeText(row.interval) + "</td><td class=\"text\">" + escapeText(row.verdict) + "</td></tr>";
    });
    document.getElementById("differences").innerHTML =
      "<h3>Differences, what-if minus baseline (" + (result.paired ? "paired" : "unpaired") +
      ", 95% intervals)</h3>" + html + "</tbody></table>";
  }

  function poll() {
    if (!job) { return; }
    fetch("/api/jobs/" + job).then(function (r) { return r.json(); }).then(function (state) {
      progress.max = Math.max(state.total, 1);
      progress.value = state.done;
      var phase = state.phase ? state.phase + ": " : "";
      status.textContent = phase + state.done.toLocaleString() + " of " + state.total.toLocaleString() +
        " replications" + (state.state === "running" ? "…" : "");
      if (state.state === "running" || state.state === "queued") {
        setTimeout(poll, 300);
        return;
      }
      job = null;
      runButton.disabled = false;
      cancelButton.disabled = true;
      root.setAttribute("data-state", state.state);
      if (state.state === "done") {
        status.textContent = "done: " + state.total.toLocaleString() + " replications";
        showResult(state);
      } else {
        status.textContent = state.message;
      }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(checkTimer);
    var number = ++asked;
    runButton.disabled = true;
    root.setAttribute("data-state", "starting");
    post("/api/run", body()).then(function (answer) {
      if (!answer.ok) {
        // If the form changed since, the check that change asked for shows its errors instead.
        if (number === asked) { showErrors(answer); }
        runButton.disabled = false;
        root.setAttribute("data-state", "refused");
        return;
      }
      showErrors({});
      job = answer.job;
      cancelButton.disabled = false;
      root.setAttribute("data-state", "running");
      poll();
    });
  });

  cancelButton.addEventListener("click", function () {
    if (job) { post("/api/jobs/" + job + "/cancel"); }
  });

  document.getElementById("filter").addEventListener("input", function (event) {
    var words = event.target.value.trim().toLowerCase();
    form.querySelectorAll("details.block").forEach(function (block) {
      var shown = 0;
      block.querySelectorAll(".field").forEach(function (field) {
        var match = !words || field.getAttribute("data-path").toLowerCase().indexOf(words) >= 0;
        field.hidden = !match;
        if (match) { shown += 1; }
      });
      block.hidden = shown === 0;
      if (words) { block.open = shown > 0; }
    });
  });

  var baseline = document.getElementById("baseline-spec");
  if (baseline) { draw("chart", JSON.parse(baseline.textContent)); }
})();
