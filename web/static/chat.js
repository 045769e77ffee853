/* civilmatch chat: plain JavaScript, no build step. The page works without it; this only saves the reload.
   Forms with data-json-action are sent with fetch; the server answers with the re-rendered reply (HTML) and a
   short text that is announced in the aria-live region. Focus moves to the new reply. */
(function () {
  "use strict";

  var main = document.getElementById("chat-main");
  var status = document.getElementById("chat-status");
  var chatForm = document.getElementById("chat-form");
  var errorBox = document.getElementById("chat-error");

  function announce(text) {
    if (!status) { return; }
    status.textContent = "";
    // a fresh text node after a tick, so screen readers announce it even when it repeats
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function showError(message) {
    var textarea = chatForm && chatForm.querySelector("textarea");
    if (errorBox) {
      errorBox.textContent = message;
      errorBox.hidden = false;
    }
    if (textarea) {
      textarea.setAttribute("aria-invalid", "true");
      textarea.setAttribute("aria-describedby", "chat-error");
      textarea.focus();
    }
  }

  function clearError() {
    var textarea = chatForm && chatForm.querySelector("textarea");
    if (errorBox) {
      errorBox.textContent = "";
      errorBox.hidden = true;
    }
    if (textarea && textarea.getAttribute("aria-describedby") === "chat-error") {
      textarea.removeAttribute("aria-invalid");
      textarea.removeAttribute("aria-describedby");
    }
  }

  function setBusy(form, busy) {
    var buttons = form.querySelectorAll("button[type=submit]");
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = busy; }
    if (main) { main.setAttribute("aria-busy", busy ? "true" : "false"); }
  }

  function applyReply(body, sentFrom) {
    if (main && typeof body.html === "string") { main.innerHTML = body.html; }
    var side = document.getElementById("chat-side");
    if (side && typeof body.side_html === "string") { side.innerHTML = body.side_html; }
    if (chatForm) {
      if (body.post_url) { chatForm.setAttribute("action", body.post_url); }
      if (body.json_url) { chatForm.setAttribute("data-json-action", body.json_url); }
      if (sentFrom === chatForm) {
        var textarea = chatForm.querySelector("textarea");
        if (textarea) { textarea.value = ""; }
      }
    }
    if (body.url && window.history && window.history.replaceState && window.location.pathname !== body.url) {
      window.history.replaceState(null, "", body.url);
    }
    announce(body.announce || body.reply || "");
    var reply = document.getElementById("svar");
    if (reply) {
      reply.focus();
      if (reply.scrollIntoView) { reply.scrollIntoView({block: "start"}); }
    }
  }

  function send(form) {
    var url = form.getAttribute("data-json-action");
    setBusy(form, true);
    announce((chatForm && chatForm.getAttribute("data-busy-text")) || "Søger …");
    clearError();
    return fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken(form), "Accept": "application/json"}
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) { throw new Error("not json"); }
      return response.json().then(function (body) { return {status: response.status, body: body}; });
    }).then(function (answer) {
      setBusy(form, false);
      if (answer.status === 422) {
        var errors = (answer.body && answer.body.errors && answer.body.errors.text) || [(chatForm && chatForm.getAttribute("data-error-text")) || "Beskeden kunne ikke sendes."];
        announce("");
        showError(errors.join(" "));
        return;
      }
      if (answer.status >= 400) { throw new Error("status " + answer.status); }
      applyReply(answer.body, form);
    }).catch(function () {
      // Anything unexpected: fall back to the ordinary form post (the page works without JavaScript).
      setBusy(form, false);
      form.removeAttribute("data-json-action");
      form.submit();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.getAttribute || !form.getAttribute("data-json-action") || !window.fetch || !window.FormData) {
      return;
    }
    event.preventDefault();
    send(form);
  });

  // Ctrl+Enter (or Cmd+Enter) in the message box sends it; Enter alone makes a new line.
  if (chatForm) {
    chatForm.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.tagName === "TEXTAREA") {
        event.preventDefault();
        if (chatForm.requestSubmit) { chatForm.requestSubmit(); } else { send(chatForm); }
      }
    });
  }

  var printButton = document.querySelector("[data-print]");
  if (printButton) {
    printButton.addEventListener("click", function () { window.print(); });
  }
}());
