// FitHub's pages: sign-in and sign-up forms posted with fetch, their errors shown beside the
// fields, and the sign-out button. The session cookie is HttpOnly; the CSRF token is the
// `csrftoken` cookie, sent back in the X-CSRFToken header on every unsafe request.
"use strict";

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]*)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body || {}),
  });
  let answer = {};
  try {
    answer = await response.json();
  } catch (_) {
    answer = { error: "The server sent an unexpected answer." };
  }
  return { ok: response.ok, status: response.status, answer };
}

function showErrors(form, answer) {
  const place = (key) =>
    form.querySelector(`[data-error-for="${key}"]`) || form.querySelector('[data-error-for="form"]');
  const fields = answer.errors || {};
  for (const [key, messages] of Object.entries(fields)) {
    const target = key === "non_field_errors" ? place("form") : place(key);
    target.textContent = [].concat(messages).join(" ");
    const input = form.elements.namedItem(key);
    if (input) input.setAttribute("aria-invalid", "true");
  }
  const general = answer.error || answer.detail;
  if (general) place("form").textContent = general;
}

function clearErrors(form) {
  form.querySelectorAll("[data-error-for]").forEach((node) => (node.textContent = ""));
  form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
}

document.querySelectorAll("form[data-endpoint]").forEach((form) => {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = Object.fromEntries(new FormData(form).entries());
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const { ok, answer } = await postJson(form.dataset.endpoint, body);
      if (ok) {
        window.location.assign("/");
      } else {
        showErrors(form, answer);
      }
    } catch (_) {
      showErrors(form, { error: "The server cannot be reached. Try again." });
    } finally {
      button.disabled = false;
    }
  });
});

document.querySelectorAll("[data-sign-out]").forEach((button) => {
  button.addEventListener("click", async () => {
    await postJson("/auth/logout/");
    window.location.assign("/");
  });
});
