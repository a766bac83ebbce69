// The REST API of SPEC §1 on the same origin, plus the stored token.

const TOKEN_KEY = 'todo.token';

export const tokenStore = {
  get() {
    try {
      return localStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  },
  set(token) {
    localStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    try {
      localStorage.removeItem(TOKEN_KEY);
    } catch {
      // Storage disabled: nothing was stored either.
    }
  },
  key: TOKEN_KEY,
};

// A refused request: `status` is the HTTP status (0 when the server could not
// be reached), `detail` the body's detail (a string or the 422 list).
export class ApiError extends Error {
  constructor(status, detail, headers = null) {
    super(describe(status, detail));
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
    this.headers = headers;
  }
}

function describe(status, detail) {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail) && detail.length > 0) {
    return detail.map((item) => (typeof item?.msg === 'string' ? item.msg : 'Invalid value.')).join(' ');
  }
  return `The request failed (HTTP ${status}).`;
}

// Called whenever a request that carried the token gets a 401: the token
// expired or was revoked (sign out everywhere, password change).
let onUnauthorized = () => {};
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

// `checksPassword`: the route checks a password the user typed; its 401
// "Incorrect password" is a wrong password, not an ended session.
async function request(method, path, { body, query, signal, auth = true, checksPassword = false } = {}) {
  const headers = { Accept: 'application/json' };
  const token = auth ? tokenStore.get() : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== '' && value !== null && value !== undefined) params.set(name, String(value));
    }
    const text = params.toString();
    if (text) url += `?${text}`;
  }
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, 'Cannot reach the server. Check your connection and try again.');
  }
  let data = null;
  const type = response.headers.get('Content-Type') ?? '';
  if (response.status !== 204) {
    if (type.includes('json')) {
      try {
        data = await response.json();
      } catch {
        data = null;
      }
    } else {
      data = await response.text();
    }
  }
  if (!response.ok) {
    const detail = data && typeof data === 'object' && 'detail' in data ? data.detail : null;
    const error = new ApiError(response.status, detail ?? defaultMessage(response.status), response.headers);
    // Only for the token still in use: a request sent before a sign-out (or
    // before the sign-in that replaced its token) may be answered after it,
    // and must not end the session that came since.
    const wrongPassword = checksPassword && detail === 'Incorrect password';
    if (response.status === 401 && token && tokenStore.get() === token && !wrongPassword) onUnauthorized(error);
    throw error;
  }
  return { data, headers: response.headers, status: response.status };
}

function defaultMessage(status) {
  if (status === 429) return 'Too many attempts. Wait a little and try again.';
  if (status >= 500) return `The server had a problem (HTTP ${status}). Try again in a moment.`;
  return `The request failed (HTTP ${status}).`;
}

export const api = {
  signup: (email, password, username) =>
    request('POST', '/auth/signup', {
      body: username ? { email, password, username } : { email, password },
      auth: false,
    }),
  login: (email, password) => request('POST', '/auth/login', { body: { email, password }, auth: false }),
  me: () => request('GET', '/auth/me'),
  logoutAll: () => request('POST', '/auth/logout-all'),
  changePassword: (currentPassword, newPassword) =>
    request('POST', '/auth/password', {
      body: { current_password: currentPassword, new_password: newPassword },
      checksPassword: true,
    }),
  deleteAccount: (password) => request('DELETE', '/auth/me', { body: { password }, checksPassword: true }),

  listTasks: (query, signal) => request('GET', '/api/tasks', { query, signal }),
  createTask: (task) => request('POST', '/api/tasks', { body: task }),
  updateTask: (id, changes) => request('PUT', `/api/tasks/${id}`, { body: changes }),
  setCompleted: (id, completed) => request('PATCH', `/api/tasks/${id}/complete`, { body: { completed } }),
  deleteTask: (id) => request('DELETE', `/api/tasks/${id}`),
};
