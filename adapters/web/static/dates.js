// Due dates: the server reads a naive `datetime-local` value as UTC and
// answers RFC 3339 with a Z, so the page shows and edits them in UTC too;
// what a person types is exactly what they see afterwards.

// "2026-12-01T10:30:00.000000Z" -> "2026-12-01T10:30" (for datetime-local).
export function toInputValue(rfc3339) {
  if (typeof rfc3339 !== 'string' || rfc3339.length < 16) return '';
  return rfc3339.slice(0, 16);
}

// "2026-12-01T10:30" -> the same naive value, or null when empty.
export function fromInputValue(value) {
  return value === '' ? null : value;
}

const displayFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

// A short UTC rendering, e.g. "1 Dec 2026, 10:30 UTC".
export function formatUtc(rfc3339) {
  const time = Date.parse(rfc3339);
  if (Number.isNaN(time)) return rfc3339;
  return `${displayFormat.format(new Date(time))} UTC`;
}

export function isOverdue(rfc3339, now = Date.now()) {
  const time = Date.parse(rfc3339);
  return !Number.isNaN(time) && time < now;
}
