/* Deciding from the queue and the lead page without a reload, and by keyboard alone.
 *
 * The forms work without this script (each button posts its verdict). With it, a decision is
 * sent with fetch to the same endpoint, which answers an HTML fragment; a reason is asked
 * inline only when the decision departs from the portrait's suggestion. On the queue the
 * decided row leaves and the next one is selected; on the lead page the next lead opens.
 * Keys: j / k move, i / n decide, Enter or o opens, ? shows the keys, Esc cancels.
 */
(function () {
  "use strict";

  var queue = document.querySelector("[data-queue]");
  var leadForm = document.querySelector("form[data-lead-page]");
  var help = document.getElementById("keys-help");
  var overrideTemplate = document.getElementById("override-template");
  var current = -1;

  function rows() {
    return queue ? Array.prototype.slice.call(queue.querySelectorAll("tr.queue-row")) : [];
  }

  function select(index) {
    var all = rows();
    if (!all.length) { current = -1; return; }
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, position) {
      var chosen = position === current;
      row.classList.toggle("current", chosen);
      if (chosen) { row.setAttribute("aria-current", "true"); } else { row.removeAttribute("aria-current"); }
    });
    all[current].focus();
  }

  function departs(form, verdict) {
    var suggested = form.dataset.suggested;
    return (suggested === "interesting" && verdict === "not_interesting") ||
      (suggested === "not_interesting" && verdict === "interesting");
  }

  function box(form) { return form.querySelector(".override"); }

  function closeReason(form) {
    var reason = box(form);
    reason.replaceChildren();
    reason.hidden = true;
    delete reason.dataset.verdict;
  }

  function askReason(form, verdict) {
    var reason = box(form);
    if (!reason.querySelector(".override-fields")) {
      var fields = overrideTemplate.content.firstElementChild.cloneNode(true);
      fields.querySelectorAll("[id], [for], [aria-labelledby], [aria-describedby]").forEach(function (node) {
        ["id", "for", "aria-labelledby", "aria-describedby"].forEach(function (name) {
          var value = node.getAttribute(name);
          if (value) { node.setAttribute(name, value.replace(/__lead__/g, form.dataset.lead)); }
        });
      });
      var labelled = fields.getAttribute("aria-labelledby");
      if (labelled) { fields.setAttribute("aria-labelledby", labelled.replace(/__lead__/g, form.dataset.lead)); }
      fields.querySelector(".override-cancel").addEventListener("click", function () {
        closeReason(form);
        focusAfterCancel(form);
      });
      reason.replaceChildren(fields);
    }
    reason.dataset.verdict = verdict;
    reason.hidden = false;
    var code = reason.querySelector(".override-code");
    code.hidden = verdict !== "not_interesting";
    var select = code.querySelector("select");
    select.required = !code.hidden;
    (code.hidden ? reason.querySelector("input[name=reason]") : select).focus();
  }

  function focusAfterCancel(form) {
    var row = form.closest("tr.queue-row");
    if (row) { row.focus(); } else { form.querySelector("button[name=verdict]").focus(); }
  }

  function status(form, html) {
    var target = queue ? document.getElementById("queue-status") : form.querySelector(".decision-status");
    target.innerHTML = html;
    return target;
  }

  function decided(form, fragment) {
    if (leadForm) {
      var note = fragment.querySelector("[data-next-url]");
      window.location.assign(note ? note.dataset.nextUrl : form.dataset.queueUrl);
      return;
    }
    var row = form.closest("tr.queue-row");
    var index = rows().indexOf(row);
    row.remove();
    if (!rows().length) {
      // The decided leads have left the queue: its first page now holds the next ones.
      var empty = document.createElement("p");
      empty.className = "empty queue-cleared";
      empty.textContent = queue.dataset.emptyText + " ";
      var more = document.createElement("a");
      var query = new URLSearchParams(window.location.search);
      query.delete("page");
      more.href = window.location.pathname + (query.toString() ? "?" + query.toString() : "");
      more.textContent = queue.dataset.moreText;
      empty.append(more);
      queue.replaceWith(empty);
      queue = null;
      more.focus();
      return;
    }
    select(index);
  }

  function send(form, verdict) {
    var data = new FormData(form);
    data.set("verdict", verdict);
    if (leadForm) { data.set("open_next", "1"); }
    form.setAttribute("aria-busy", "true");
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (button) { button.disabled = true; });
    return fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.text().then(function (html) {
        var holder = document.createElement("template");
        holder.innerHTML = html;
        buttons.forEach(function (button) { button.disabled = false; });
        form.removeAttribute("aria-busy");
        if (response.ok) {
          status(form, html);
          decided(form, holder.content);
          return;
        }
        var errors = holder.content.querySelector(".decision-errors");
        if (errors && /reason_code|reason/.test(errors.dataset.fields || "")) {
          askReason(form, verdict);
          box(form).querySelector(".override-fields").prepend(errors);
        } else if (errors) {
          status(form, html);
        } else {
          // Not the endpoint's own answer (a 403 or 404 page, a server error): say so briefly.
          var failure = document.createElement("p");
          failure.className = "error";
          failure.setAttribute("role", "alert");
          var text = document.getElementById("decision-failed-text");
          failure.textContent = text ? text.content.textContent.trim() : String(response.status);
          status(form, "").append(failure);
        }
      });
    }).catch(function () {
      buttons.forEach(function (button) { button.disabled = false; });
      form.removeAttribute("aria-busy");
      form.submit();
    });
  }

  function decide(form, verdict) {
    var reason = box(form);
    var asked = reason && !reason.hidden && reason.dataset.verdict === verdict;
    if (departs(form, verdict) && !asked) {
      askReason(form, verdict);
      return;
    }
    send(form, verdict);
  }

  document.querySelectorAll("form.decision-form").forEach(function (form) {
    var reason = box(form);
    if (reason && !reason.classList.contains("has-errors")) {
      reason.replaceChildren();
      reason.hidden = true;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var reasonBox = box(form);
      var submitter = event.submitter;
      var verdict;
      if (reasonBox && !reasonBox.hidden && reasonBox.dataset.verdict &&
          (!submitter || reasonBox.contains(submitter) || reasonBox.contains(document.activeElement))) {
        verdict = reasonBox.dataset.verdict;
        var code = reasonBox.querySelector(".override-code");
        var choice = reasonBox.querySelector("select[name=reason_code]");
        if (code && !code.hidden && choice && !choice.value) { choice.focus(); return; }
        send(form, verdict);
        return;
      }
      verdict = submitter && submitter.name === "verdict" ? submitter.value : null;
      if (verdict) { decide(form, verdict); }
    });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && box(form) && !box(form).hidden) {
        event.preventDefault();
        event.stopPropagation();
        closeReason(form);
        focusAfterCancel(form);
      }
    });
  });

  function formOfCurrent() {
    if (leadForm) { return leadForm; }
    var row = rows()[current];
    return row ? row.querySelector("form.decision-form") : null;
  }

  function toggleHelp() {
    if (!help) { return; }
    if (help.open) { help.close(); } else { help.showModal(); }
  }

  document.querySelectorAll("[data-keys-help]").forEach(function (button) {
    button.addEventListener("click", toggleHelp);
  });

  if (queue) {
    queue.addEventListener("click", function (event) {
      var row = event.target.closest("tr.queue-row");
      if (row) {
        current = rows().indexOf(row);
        rows().forEach(function (each) {
          each.classList.toggle("current", each === row);
          if (each === row) { each.setAttribute("aria-current", "true"); } else { each.removeAttribute("aria-current"); }
        });
      }
    });
    select(0);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target.closest && target.closest("input, select, textarea, [contenteditable]")) { return; }
    if (help && help.open) {
      if (event.key === "?") { event.preventDefault(); help.close(); }
      return;
    }
    var form;
    switch (event.key) {
      case "?":
        event.preventDefault();
        toggleHelp();
        break;
      case "j":
        event.preventDefault();
        if (queue) { select(current + 1); } else if (leadForm && leadForm.dataset.nextUrl) { window.location.assign(leadForm.dataset.nextUrl); }
        break;
      case "k":
        event.preventDefault();
        if (queue) { select(current - 1); } else if (leadForm) { window.location.assign(leadForm.dataset.queueUrl); }
        break;
      case "i":
      case "n":
        form = formOfCurrent();
        if (form) {
          event.preventDefault();
          decide(form, event.key === "i" ? "interesting" : "not_interesting");
        }
        break;
      case "o":
      case "Enter":
        if (queue && current >= 0 && target.closest && !target.closest("a, button")) {
          event.preventDefault();
          window.location.assign(rows()[current].dataset.url);
        }
        break;
      default:
        break;
    }
  });
}());
