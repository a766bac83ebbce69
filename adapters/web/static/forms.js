// Showing errors in a form: a message under each field (the element with
// data-error-for="<name>", referenced by the input's aria-describedby) and a
// form-level alert ([data-form-alert], role="alert") for the rest.

import { placeDetail } from './errors.js';

function fieldNames(form) {
  return [...form.querySelectorAll('[data-error-for]')].map((el) => el.dataset.errorFor);
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll('[data-error-for]')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const alert = form.querySelector('[data-form-alert]');
  if (alert) {
    alert.textContent = '';
    alert.classList.remove('visible');
  }
}

export function setFieldError(form, name, message) {
  const slot = form.querySelector(`[data-error-for="${name}"]`);
  const input = form.elements.namedItem(name);
  if (slot) slot.textContent = message;
  if (input instanceof Element) {
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

export function setFormAlert(form, messages) {
  const alert = form.querySelector('[data-form-alert]');
  if (!alert) return;
  alert.replaceChildren();
  const list = Array.isArray(messages) ? messages : [messages];
  if (list.length === 1) {
    alert.textContent = list[0];
  } else if (list.length > 1) {
    const ul = document.createElement('ul');
    for (const message of list) {
      const li = document.createElement('li');
      li.textContent = message;
      ul.append(li);
    }
    alert.append(ul);
  }
  alert.classList.toggle('visible', list.length > 0);
}

// Shows a refused request in the form and moves focus to the first field
// concerned (or to the alert), so keyboard and screen reader users land on it.
export function showApiError(form, error) {
  clearErrors(form);
  const placed = placeDetail(error.detail, fieldNames(form), error.status);
  let first = null;
  for (const [name, messages] of placed.fields) {
    setFieldError(form, name, messages.join(' '));
    first ??= form.elements.namedItem(name);
  }
  const general = [...placed.general];
  if (error.status === 429) {
    const wait = error.headers?.get?.('Retry-After');
    if (wait) general.push(`You can try again in ${wait} seconds.`);
  }
  setFormAlert(form, general);
  if (first instanceof HTMLElement) first.focus();
}

// Runs client-side checks {name: message}; shows them and returns false
// when any failed.
export function showChecks(form, checks) {
  clearErrors(form);
  let first = null;
  for (const [name, message] of Object.entries(checks)) {
    if (!message) continue;
    setFieldError(form, name, message);
    first ??= form.elements.namedItem(name);
  }
  if (first instanceof HTMLElement) {
    first.focus();
    return false;
  }
  return true;
}

// Disables the form's buttons while a request is in flight.
export async function busy(form, work) {
  const buttons = [...form.querySelectorAll('button')];
  form.setAttribute('aria-busy', 'true');
  for (const b of buttons) b.disabled = true;
  try {
    return await work();
  } finally {
    form.removeAttribute('aria-busy');
    for (const b of buttons) b.disabled = false;
  }
}
