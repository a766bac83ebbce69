// Live sync (SPEC §6): follows GET /api/tasks/events and hands each change
// to the page. EventSource cannot send the Authorization header, so the
// stream is read with fetch. A dropped stream is opened again with
// Last-Event-ID, so nothing made meanwhile is missed; `reset` means the
// server could not resume: the page reloads its list.

import { tokenStore } from './api.js';

const DEFAULT_RETRY_MS = 2000;
const MAX_RETRY_MS = 30000;

export class LiveSync {
  // onChange(kind, data): 'created' | 'updated' (data: the task) or
  // 'deleted' (data: {id}); onReset(): reload; onEnded(): the session
  // ended (revoked, or the token was refused).
  constructor({ onChange, onReset, onEnded }) {
    this.onChange = onChange;
    this.onReset = onReset;
    this.onEnded = onEnded;
    this.controller = null;
    this.lastId = null;
    this.retryMs = DEFAULT_RETRY_MS;
    this.failures = 0;
    this.timer = 0;
    this.running = false;
  }

  start() {
    this.stop();
    this.running = true;
    this.lastId = null;
    this.failures = 0;
    this.connect();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    this.controller?.abort();
    this.controller = null;
  }

  async connect() {
    if (!this.running) return;
    const token = tokenStore.get();
    if (!token) return;
    const controller = new AbortController();
    this.controller = controller;
    const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${token}` };
    if (this.lastId !== null) headers['Last-Event-ID'] = this.lastId;
    let ended = false;
    try {
      const response = await fetch('/api/tasks/events', {
        headers,
        signal: controller.signal,
        cache: 'no-store',
        credentials: 'same-origin',
      });
      if (response.status === 401) {
        if (tokenStore.get() === token) this.ended();
        return;
      }
      if (!response.ok || !response.body) {
        const wait = Number(response.headers.get('Retry-After'));
        this.again(Number.isFinite(wait) && wait > 0 ? wait * 1000 : null);
        return;
      }
      this.failures = 0;
      ended = await this.read(response.body.getReader());
    } catch (error) {
      if (error?.name === 'AbortError') return;
    } finally {
      if (this.controller === controller) this.controller = null;
    }
    if (ended) {
      if (tokenStore.get() === token) this.ended();
      return;
    }
    this.again(null);
  }

  // Reads events until the stream ends; true when it ended with `revoked`.
  async read(reader) {
    const decoder = new TextDecoder();
    let buffer = '';
    let event = { id: null, type: 'message', data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return false;
      buffer += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        let line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line === '') {
          if (this.dispatch(event)) return true;
          event = { id: null, type: 'message', data: [] };
          continue;
        }
        if (line.startsWith(':')) continue;  // heartbeat
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        let text = colon < 0 ? '' : line.slice(colon + 1);
        if (text.startsWith(' ')) text = text.slice(1);
        if (name === 'id') event.id = text;
        else if (name === 'event') event.type = text;
        else if (name === 'data') event.data.push(text);
        else if (name === 'retry' && /^\d+$/.test(text)) this.retryMs = Number(text);
      }
    }
  }

  // One complete event; true when it ends the session.
  dispatch(event) {
    if (event.id !== null) this.lastId = event.id;
    if (event.data.length === 0 && event.type === 'message') return false;
    if (event.type === 'revoked') return true;
    if (event.type === 'reset') {
      this.onReset();
      return false;
    }
    if (event.type === 'created' || event.type === 'updated' || event.type === 'deleted') {
      try {
        this.onChange(event.type, JSON.parse(event.data.join('\n')));
      } catch {
        this.onReset();
      }
    }
    return false;
  }

  ended() {
    this.stop();
    this.onEnded();
  }

  // Tries again later: the server's retry hint, growing while it fails.
  again(waitMs) {
    if (!this.running) return;
    this.failures += 1;
    const backoff = Math.min(MAX_RETRY_MS, this.retryMs * 2 ** Math.min(this.failures - 1, 4));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), waitMs ?? backoff);
  }
}
