// Evidence Broker portal: the only script. Progressive enhancement — every page works without it.
"use strict";

(function () {
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Live eligibility preview on the officer's request form.
  function requestForm(form) {
    const url = form.dataset.previewUrl;
    const body = document.getElementById("preview-body");
    const token = form.querySelector("input[name='__RequestVerificationToken']");
    let timer = 0;
    let sequence = 0;

    function showEmergency() {
      const urgency = form.querySelector("input[name='Form.Urgency']:checked");
      form.querySelectorAll("[data-show-when]").forEach(function (node) {
        node.hidden = !urgency || urgency.value !== node.dataset.showWhen;
      });
    }

    // The error messages (ids of [data-error-for] nodes) a field is described by.
    function messagesOf(field) {
      if (!field || !field.getAttribute) return [];
      return (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
        const message = document.getElementById(id);
        return message !== null && message.hasAttribute("data-error-for");
      });
    }

    // A field's live error shows only once the officer has touched it (left it after focusing it, or changed it). The
    // preview reads the whole form from the first key, and writing its errors everywhere marked every field not yet
    // reached as wrong, aloud through aria-invalid, before the officer had done anything there: an error should follow
    // the use of a field (WCAG 3.3.1). How many fields are left still shows in the preview. After a filing attempt, or
    // when the form came back from the server with its errors, every field counts as touched: nothing said is hidden.
    const touched = new Set();
    let everyFieldTouched = form.querySelector(".error-summary") !== null;

    function touch(messages) {
      const before = touched.size;
      messages.forEach(function (id) { touched.add(id); });
      // The field's error is not known until a preview has seen the form as it is now: ask for one.
      if (touched.size !== before && !everyFieldTouched) schedule();
    }

    // Each error under its field once touched, the field invalid while one of its messages stands; one the form has no
    // place for goes to the box at the top at once, since no field's touch could ever earn it. What the server said
    // when the form came back stays in its summary until the officer files again.
    function showErrors(errors) {
      const placed = new Set();
      form.querySelectorAll("[data-error-for]").forEach(function (node) {
        const key = node.dataset.errorFor;
        if (key === "") return;
        placed.add(key);
        const messages = errors[key];
        node.textContent = messages && (everyFieldTouched || touched.has(node.id)) ? messages.join(" ") : "";
      });
      form.querySelectorAll("[aria-describedby]").forEach(function (field) {
        const invalid = messagesOf(field).some(function (id) {
          return document.getElementById(id).textContent !== "";
        });
        if (invalid) field.setAttribute("aria-invalid", "true");
        else field.removeAttribute("aria-invalid");
      });
      const general = document.getElementById("err-general");
      if (general) {
        const text = Object.keys(errors).filter(function (key) { return !placed.has(key); })
          .map(function (key) { return errors[key].join(" "); }).join(" ");
        // An alert region speaks at every change of its text: unchanged, it is left alone.
        if (general.textContent !== text) general.textContent = text;
      }
    }

    const status = document.getElementById("preview-status");

    // What a screen reader hears of the preview: its outcome and how many fields are left, each time either changes.
    function announce(decision, errorCount) {
      if (!status) return;
      const text = decision
        ? "Preview: " + decision.outcomeLabel + "." + (errorCount === 0 ? "" : errorCount === 1 ? " One field needs attention." : " " + errorCount + " fields need attention.")
        : "";
      if (status.textContent !== text) status.textContent = text;
    }

    function render(result) {
      showErrors(result.errors || {});
      announce(result.decision, Object.keys(result.errors || {}).length);
      body.replaceChildren();
      const decision = result.decision;
      if (!decision) {
        const hint = el("p", "muted", "Choose a provider and fill in the form: the decision appears here.");
        hint.dataset.testid = "preview-outcome";
        body.append(hint);
        return;
      }
      const outcome = el("p", "outcome outcome-" + decision.outcome, decision.outcomeLabel);
      outcome.dataset.testid = "preview-outcome";
      body.append(outcome, el("p", "", decision.explanation));
      const facts = el("dl", "facts");
      facts.append(el("dt", "", "Channel"), el("dd", "", decision.channelLabel));
      facts.append(el("dt", "", "Deadline"), el("dd", "", decision.deadlines.length ? decision.deadlines.join("; ") : "—"));
      facts.append(el("dt", "", "Policy"), el("dd", "", decision.policyVersion));
      body.append(facts);
      const errorCount = Object.keys(result.errors || {}).length;
      if (errorCount > 0) {
        body.append(el("p", "warn", errorCount === 1 ? "One field still needs attention before filing." : errorCount + " fields still need attention before filing."));
      }
      const failed = decision.reasons.filter(function (r) { return r.status === "Failed"; });
      const list = el("ul", "reasons");
      (failed.length ? failed : decision.reasons.slice(0, 0)).forEach(function (r) {
        const item = el("li", r.deciding ? "reason deciding" : "reason");
        item.append(el("strong", "", r.rule + " · " + r.statusLabel + (r.deciding ? " · deciding" : "")), el("span", "", " " + r.message));
        list.append(item);
      });
      if (failed.length) {
        body.append(el("h3", "", "Why"), list);
      } else {
        body.append(el("p", "good", "Every rule that applies is met."));
      }
    }

    function preview() {
      const mine = ++sequence;
      const data = new FormData(form);
      fetch(url, {
        method: "POST",
        body: new URLSearchParams(data),
        headers: { "RequestVerificationToken": token ? token.value : "" },
        credentials: "same-origin",
      }).then(function (response) {
        if (!response.ok) throw new Error("preview " + response.status);
        return response.json();
      }).then(function (result) {
        if (mine === sequence) render(result);
      }).catch(function () {
        if (mine === sequence) {
          body.replaceChildren(el("p", "muted", "The preview is unavailable right now; filing still checks everything."));
        }
      });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(preview, 300);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", function (event) { showEmergency(); touch(messagesOf(event.target)); schedule(); });
    // Moving on within a group whose fields share a message (the data categories, the urgency) does not touch it yet:
    // the officer is still answering that question.
    form.addEventListener("focusout", function (event) {
      const next = messagesOf(event.relatedTarget);
      touch(messagesOf(event.target).filter(function (id) { return next.indexOf(id) < 0; }));
    });
    form.addEventListener("submit", function () { everyFieldTouched = true; });
    showEmergency();
    if (form.querySelector("select[name='Form.ProviderId']").value) preview();
  }

  // Forms that change something irreversible ask once.
  function confirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  }

  // Writes into a status region so that a screen reader says it; the same words again are said again.
  function say(region, text) {
    if (region.textContent === text) region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  // Copy buttons (API client secrets, authenticator keys). The outcome goes to the button's status region
  // (data-copy-status), which is read out; the button keeps its name.
  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      const source = document.getElementById(button.dataset.copy);
      const status = document.getElementById(button.dataset.copyStatus);
      if (!source || !status || !navigator.clipboard) return; // left hidden: selecting the text still works
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(source.textContent.trim()).then(
          function () { say(status, "Copied to the clipboard."); },
          function () { say(status, "Not copied: select the text and copy it yourself."); });
      });
    });
  }

  // setTimeout fires at once for a delay past about 24.8 days, and a session may be configured to last 30.
  function after(seconds, action) {
    const longest = 2147483647;
    const ms = seconds * 1000;
    if (ms > longest) window.setTimeout(function () { after(seconds - longest / 1000, action); }, longest);
    else window.setTimeout(action, Math.max(ms, 0));
  }

  // The session's end, counted from this page's load in the seconds the server gave (not this machine's clock): the
  // warning ten minutes before, written into the page's status region, then that the session has ended.
  function sessionNotice() {
    const notice = document.getElementById("session-notice");
    if (!notice) return;
    const dueIn = Number(notice.dataset.dueIn);
    const endsIn = Number(notice.dataset.endsIn);
    if (dueIn > 0) after(dueIn, function () { say(notice, notice.dataset.warning); });
    after(endsIn, function () { say(notice, notice.dataset.ended); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.getElementById("request-form");
    if (form) requestForm(form);
    confirmations();
    copyButtons();
    sessionNotice();
  });
})();
