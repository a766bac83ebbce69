// Entry point: sign-in / sign-up, the session bar and switching views.

import { api, setUnauthorizedHandler, tokenStore } from './api.js';
import { busy, clearErrors, setFieldError, setFormAlert, showApiError, showChecks } from './forms.js';
import { checkEmail, checkPassword, checkUsername, passwordBytes, trimAscii } from './rules.js';
import { LiveSync } from './live.js';
import { TaskPage } from './tasks.js';

const $ = (id) => document.getElementById(id);
const field = (form, name) => form.elements.namedItem(name);
const STATUS_CLEAR_MS = 8000;

const loading = $('loading');
const authView = $('auth-view');
const tasksView = $('tasks-view');
const accountView = $('account-view');
const passwordForm = $('password-form');
const deleteForm = $('delete-account-form');
const session = $('session');
const whoami = $('whoami');
const authHeading = $('auth-heading');
const signinForm = $('signin-form');
const signupForm = $('signup-form');
const showSignin = $('show-signin');
const showSignup = $('show-signup');
const status = $('status');
const dialog = $('confirm-dialog');

let statusTimer = 0;
// Writes to the polite live region; `kind` "error" styles it as a failure.
function announce(message, kind = 'info') {
  clearTimeout(statusTimer);
  status.classList.toggle('error', kind === 'error');
  // Emptying first makes screen readers repeat an identical message.
  status.textContent = '';
  requestAnimationFrame(() => {
    status.textContent = message;
  });
  statusTimer = setTimeout(() => {
    status.textContent = '';
  }, STATUS_CLEAR_MS);
}

// A <dialog> rather than window.confirm: styled, keyboard-trapped, and
// Escape or Cancel both answer "no".
function confirm(text, { title = 'Delete task?', action = 'Delete' } = {}) {
  $('confirm-title').textContent = title;
  $('confirm-ok').textContent = action;
  $('confirm-text').textContent = text;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
  });
}

const tasks = new TaskPage({ announce, confirm });
// Changes made in another tab or device show here without a reload.
const live = new LiveSync({
  onChange: (kind, data) => tasks.applyChange(kind, data),
  onReset: () => tasks.load(),
  onEnded: () =>
    goToSignIn('Your session has ended (it expired, or you signed out everywhere). Please sign in again.'),
});

function showView(name) {
  loading.hidden = true;
  authView.hidden = name !== 'auth';
  tasksView.hidden = name !== 'tasks';
  accountView.hidden = name !== 'account';
  session.hidden = name !== 'tasks' && name !== 'account';
}

function showAuthForm(which) {
  const signup = which === 'signup';
  signinForm.hidden = signup;
  signupForm.hidden = !signup;
  showSignin.setAttribute('aria-pressed', String(!signup));
  showSignup.setAttribute('aria-pressed', String(signup));
  authHeading.textContent = signup ? 'Create account' : 'Sign in';
  document.title = signup ? 'Create account · Todo' : 'Sign in · Todo';
}

// Back to the sign-in form with nothing of the previous session left on
// the page. `message` explains why (shown in the form's alert).
function goToSignIn(message = '') {
  live.stop();
  tokenStore.clear();
  tasks.reset();
  whoami.textContent = '';
  showView('auth');
  showAuthForm('signin');
  clearErrors(signinForm);
  clearErrors(signupForm);
  // Nothing typed into the account forms outlives the session.
  for (const form of [passwordForm, deleteForm]) {
    form.reset();
    clearErrors(form);
  }
  field(signinForm, 'password').value = '';
  if (message) setFormAlert(signinForm, message);
  field(signinForm, 'email').focus();
}

async function enterApp(user) {
  whoami.textContent = user.username || user.email;
  for (const form of [signinForm, signupForm]) {
    form.reset();
    clearErrors(form);
  }
  field(signupForm, 'password').type = 'password';
  updatePasswordCount();
  showView('tasks');
  document.title = 'Tasks · Todo';
  $('tasks-heading').focus();
  // Following first: a change made while the list loads is applied after it.
  live.start();
  await tasks.start();
}

setUnauthorizedHandler(() => {
  goToSignIn('Your session has ended (it expired, or you signed out everywhere). Please sign in again.');
});

showSignin.addEventListener('click', () => {
  showAuthForm('signin');
  field(signinForm, 'email').focus();
});
showSignup.addEventListener('click', () => {
  showAuthForm('signup');
  field(signupForm, 'email').focus();
});

signinForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const email = field(signinForm, 'email').value;
  const password = field(signinForm, 'password').value;
  const ok = showChecks(signinForm, {
    email: checkEmail(email),
    password: password === '' ? 'Enter your password.' : '',
  });
  if (!ok) return;
  await busy(signinForm, async () => {
    try {
      const { data } = await api.login(trimAscii(email), password);
      tokenStore.set(data.access_token);
      await enterApp(data.user);
      announce(`Welcome back, ${data.user.username || data.user.email}.`);
    } catch (error) {
      showApiError(signinForm, error);
    }
  });
});

// Sign-up rules are shown as hints and checked as the person types, once a
// field has been left for the next one or the form submitted, so nothing
// nags too early. Leaving a field for a button is not checked here: the
// message appearing would push the button away from under the pointer
// between press and release, and the click would be lost.
const signupChecks = {
  email: () => checkEmail(field(signupForm, 'email').value),
  username: () => checkUsername(field(signupForm, 'username').value),
  password: () => checkPassword(field(signupForm, 'password').value),
};

function updatePasswordCount() {
  const bytes = passwordBytes(field(signupForm, 'password').value);
  const count = $('signup-password-count');
  count.textContent = `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  count.classList.toggle('ok', bytes >= 8 && bytes <= 72);
  count.classList.toggle('bad', bytes > 72);
}

for (const [name, check] of Object.entries(signupChecks)) {
  const input = field(signupForm, name);
  input.addEventListener('blur', (event) => {
    const next = event.relatedTarget;
    const toField =
      (next instanceof HTMLInputElement && next.type !== 'checkbox') || next instanceof HTMLTextAreaElement;
    if (toField && input.value !== '') setFieldError(signupForm, name, check());
  });
  input.addEventListener('input', () => {
    if (input.hasAttribute('aria-invalid')) setFieldError(signupForm, name, check());
  });
}
field(signupForm, 'password').addEventListener('input', updatePasswordCount);
$('signup-show-password').addEventListener('change', (event) => {
  field(signupForm, 'password').type = event.target.checked ? 'text' : 'password';
});

signupForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const checks = Object.fromEntries(Object.entries(signupChecks).map(([name, check]) => [name, check()]));
  if (!showChecks(signupForm, checks)) return;
  const email = trimAscii(field(signupForm, 'email').value);
  const username = field(signupForm, 'username').value;
  const password = field(signupForm, 'password').value;
  await busy(signupForm, async () => {
    try {
      const { data } = await api.signup(email, password, username);
      tokenStore.set(data.access_token);
      await enterApp(data.user);
      announce(`Welcome, ${data.user.username || data.user.email}. Your account is ready.`);
    } catch (error) {
      showApiError(signupForm, error);
    }
  });
});

$('logout').addEventListener('click', () => {
  goToSignIn();
  announce('You are signed out.');
});

$('logout-all').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  try {
    await api.logoutAll();
    goToSignIn();
    announce('You are signed out on every device.');
  } catch (error) {
    if (error.status !== 401) announce(error.message, 'error');
  } finally {
    button.disabled = false;
  }
});

$('show-account').addEventListener('click', () => {
  for (const form of [passwordForm, deleteForm]) {
    form.reset();
    clearErrors(form);
  }
  showView('account');
  document.title = 'Account · Todo';
  $('account-heading').focus();
});

$('back-to-tasks').addEventListener('click', () => {
  showView('tasks');
  document.title = 'Tasks · Todo';
  $('tasks-heading').focus();
});

// A wrong password (401 "Incorrect password") goes under the field that
// holds it; anything else as the form's alert or its fields' errors.
function showPasswordError(form, fieldName, error) {
  if (error.status === 401) {
    clearErrors(form);
    setFieldError(form, fieldName, 'That is not your password.');
    field(form, fieldName).focus();
  } else {
    showApiError(form, error);
  }
}

passwordForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const current = field(passwordForm, 'current_password').value;
  const next = field(passwordForm, 'new_password').value;
  const ok = showChecks(passwordForm, {
    current_password: current === '' ? 'Enter your current password.' : '',
    new_password: checkPassword(next),
  });
  if (!ok) return;
  await busy(passwordForm, async () => {
    try {
      await api.changePassword(current, next);
      goToSignIn('Your password was changed and every device signed out. Sign in with the new password.');
    } catch (error) {
      if (error.status === 401 && tokenStore.get() === null) return;  // the session ended meanwhile
      showPasswordError(passwordForm, 'current_password', error);
    }
  });
});

deleteForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const password = field(deleteForm, 'password').value;
  if (!showChecks(deleteForm, { password: password === '' ? 'Enter your password.' : '' })) return;
  const sure = await confirm('Your account and all your tasks are deleted on every device. This cannot be undone.', {
    title: 'Delete your account?',
    action: 'Delete account',
  });
  if (!sure) return;
  await busy(deleteForm, async () => {
    try {
      await api.deleteAccount(password);
      goToSignIn();
      announce('Your account and its tasks were deleted.');
    } catch (error) {
      if (error.status === 401 && tokenStore.get() === null) return;
      showPasswordError(deleteForm, 'password', error);
    }
  });
});

// Signing out in another tab signs this one out too.
window.addEventListener('storage', (event) => {
  if (event.key === tokenStore.key && !event.newValue && !tasksView.hidden) {
    goToSignIn('You signed out in another tab.');
  }
});

async function boot() {
  if (!tokenStore.get()) {
    goToSignIn();
    return;
  }
  try {
    const { data } = await api.me();
    await enterApp(data);
  } catch (error) {
    // A 401 already went to sign-in through the handler above.
    if (error.status !== 401) {
      showView('auth');
      showAuthForm('signin');
      setFormAlert(signinForm, error.message);
    }
  }
}

boot();
