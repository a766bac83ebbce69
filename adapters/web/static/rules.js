// The data rules of SPEC §2 that a person can break while typing, checked
// before a form is sent so the mistake is explained at once. The server stays
// the authority: anything it still refuses is shown from its `detail`.

export const EMAIL_MAX_CHARS = 254;
export const PASSWORD_MIN_BYTES = 8;
export const PASSWORD_MAX_BYTES = 72;
export const USERNAME_MAX_CHARS = 50;
export const TITLE_MAX_CHARS = 255;
export const DESCRIPTION_MAX_CHARS = 1000;
export const TAGS_MAX_CHARS = 500;

const encoder = new TextEncoder();

// bcrypt reads 72 bytes of UTF-8, so the limit is in bytes, not characters.
export function passwordBytes(password) {
  return encoder.encode(password).length;
}

// Lengths in SPEC §2 count code points, not UTF-16 units.
export function codePoints(text) {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

const ASCII_SPACE = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g;

export function trimAscii(text) {
  return text.replace(ASCII_SPACE, '');
}

// Returns a message, or '' when the address is acceptable.
export function checkEmail(email) {
  const value = trimAscii(email).toLowerCase();
  if (value === '') return 'Enter your email address.';
  if (codePoints(value) > EMAIL_MAX_CHARS) return `An email address has at most ${EMAIL_MAX_CHARS} characters.`;
  const at = value.indexOf('@');
  if (at < 0) return 'An email address must have an @-sign.';
  if (value.indexOf('@', at + 1) >= 0) return 'An email address must have exactly one @-sign.';
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return 'The email address contains spaces or invalid characters.';
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local === '') return 'There must be something before the @-sign.';
  if (domain === '') return 'There must be something after the @-sign.';
  if (!domain.includes('.') || domain.startsWith('.') || domain.endsWith('.') || domain.includes('..')) {
    return 'The part after the @-sign should have a period, e.g. example.com.';
  }
  return '';
}

export function checkPassword(password) {
  const bytes = passwordBytes(password);
  if (bytes < PASSWORD_MIN_BYTES) {
    return `Use at least ${PASSWORD_MIN_BYTES} bytes (now ${bytes}).`;
  }
  if (bytes > PASSWORD_MAX_BYTES) {
    return `Use at most ${PASSWORD_MAX_BYTES} bytes (now ${bytes}); letters like é take 2 bytes, emoji 4.`;
  }
  if (password.includes('\u0000')) return 'The password must not contain NUL characters.';
  return '';
}

// The username is optional: empty is fine.
export function checkUsername(username) {
  if (username === '') return '';
  if (!/^[A-Za-z0-9_-]+$/.test(username)) {
    return 'Use only letters A–Z, digits, _ and - (no spaces).';
  }
  if (username.length > USERNAME_MAX_CHARS) return `Use at most ${USERNAME_MAX_CHARS} characters.`;
  return '';
}

export function checkTitle(title) {
  const value = trimAscii(title);
  if (value === '') return 'Give the task a title.';
  if (codePoints(value) > TITLE_MAX_CHARS) return `A title has at most ${TITLE_MAX_CHARS} characters.`;
  return '';
}

export function checkDescription(description) {
  if (codePoints(description) > DESCRIPTION_MAX_CHARS) {
    return `A description has at most ${DESCRIPTION_MAX_CHARS} characters.`;
  }
  return '';
}
