// The import page: posts the file to the API, then polls the job until it ends.
// Plain JavaScript, no build step; the translated texts come from the page (import-labels).
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form) return;
  var labels = JSON.parse(document.getElementById("import-labels").textContent);
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var errors = document.getElementById("import-errors");
  var status = document.getElementById("import-status");
  var bar = document.getElementById("import-progress");
  var percent = document.getElementById("import-percent");
  var stateText = document.getElementById("import-state");
  var counts = document.getElementById("import-counts");
  var speed = document.getElementById("import-speed");
  var cancel = document.getElementById("import-cancel");
  var rejected = document.getElementById("import-rejected");
  var FINISHED = ["done", "failed", "cancelled"];
  var current = null;

  // Labels are gettext's "%(name)s" texts; "%%" is a percent sign, as in Python.
  function format(text, values) {
    return text.replace(/%\((\w+)\)s|%%/g, function (match, name) {
      if (match === "%%") return "%";
      return values[name] === undefined || values[name] === null ? "—" : values[name];
    });
  }

  function number(value) {
    return value === null || value === undefined ? "—" : Number(value).toLocaleString();
  }

  function duration(seconds) {
    if (seconds >= 3600) {
      return format(labels.hours, { hours: Math.floor(seconds / 3600), minutes: Math.floor((seconds % 3600) / 60) });
    }
    if (seconds >= 60) {
      return format(labels.minutes, { minutes: Math.floor(seconds / 60), seconds: seconds % 60 });
    }
    return format(labels.seconds, { seconds: seconds });
  }

  function showErrors(messages) {
    errors.textContent = "";
    messages.forEach(function (message) {
      var item = document.createElement("li");
      item.textContent = message;
      errors.appendChild(item);
    });
    errors.hidden = messages.length === 0;
  }

  function render(job) {
    current = job;
    status.hidden = false;
    document.getElementById("import-title").textContent = format(labels.title, { file: job.file_name, source: job.source });
    bar.value = job.percent;
    percent.textContent = job.percent + "%";
    stateText.textContent = labels.states[job.state] + (job.state === "queued" ? " — " + labels.queued : "") + (job.error ? " — " + job.error : "");
    counts.textContent = format(labels.counts, {
      rows: number(job.rows), total: number(job.total_rows), created: number(job.created),
      updated: number(job.updated), unchanged: number(job.unchanged), rejected: number(job.rejected)
    });
    if (job.rows_per_second !== null && job.seconds_left !== null) {
      speed.textContent = format(labels.speed, { rate: number(Math.round(job.rows_per_second)), left: duration(job.seconds_left) });
    } else if (job.rows_per_second !== null) {
      speed.textContent = format(labels.rate, { rate: number(Math.round(job.rows_per_second)) });
    } else {
      speed.textContent = "";
    }
    var finished = FINISHED.indexOf(job.state) !== -1;
    cancel.hidden = finished;
    rejected.hidden = !job.rejected;
    rejected.href = labels.api + job.id + "/errors/";
    return finished;
  }

  function poll(id) {
    fetch(labels.api + id + "/", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (job) {
        if (!render(job)) window.setTimeout(function () { poll(id); }, 1000);
      })
      .catch(function () {
        speed.textContent = labels.unreachable;
        window.setTimeout(function () { poll(id); }, 3000);
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    showErrors([]);
    var data = new FormData(form);
    data.delete("csrfmiddlewaretoken");
    ["encoding", "delimiter"].forEach(function (name) { if (!data.get(name)) data.delete(name); });
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-CSRFToken", csrf);
    request.setRequestHeader("Accept", "application/json");
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    request.upload.addEventListener("progress", function (progress) {
      if (!progress.lengthComputable) return;
      status.hidden = false;
      var done = Math.floor((progress.loaded * 100) / progress.total);
      stateText.textContent = format(labels.uploading, { percent: done });
    });
    request.addEventListener("load", function () {
      button.disabled = false;
      var body = null;
      try { body = JSON.parse(request.responseText); } catch (error) { body = null; }
      if (request.status === 202 && body) {
        render(body);
        poll(body.id);
        return;
      }
      status.hidden = true;
      var messages = [];
      if (body && body.errors) {
        Object.keys(body.errors).forEach(function (field) { messages = messages.concat(body.errors[field]); });
      }
      if (!messages.length) messages.push(body && body.detail ? body.detail : labels.failed);
      showErrors(messages);
    });
    request.addEventListener("error", function () {
      button.disabled = false;
      showErrors([labels.failed]);
    });
    request.send(data);
  });

  cancel.addEventListener("click", function () {
    if (!current || !window.confirm(labels.confirm)) return;
    fetch(labels.api + current.id + "/cancel/", {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" }
    }).then(function (response) { return response.json(); }).then(function (job) {
      if (job && job.id) render(job);
    });
  });
})();
