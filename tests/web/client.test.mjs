// Unit tests of the page's pure modules (SPEC §2 checks, error placement,
// due-date conversion), loaded straight from adapters/web/static.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const staticDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../adapters/web/static');

// The folder has no package.json saying "module", so load the source as a
// data: URL (these modules import nothing).
async function load(name) {
  const source = await readFile(path.join(staticDir, name), 'utf8');
  return import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);
}

const rules = await load('rules.js');
const errors = await load('errors.js');
const dates = await load('dates.js');

describe('password rule (8..72 bytes of UTF-8)', () => {
  it('counts bytes, not characters', () => {
    assert.equal(rules.passwordBytes('abc'), 3);
    assert.equal(rules.passwordBytes('é'), 2);
    assert.equal(rules.passwordBytes('😀'), 4);
  });
  it('accepts exactly 8 and exactly 72 bytes', () => {
    assert.equal(rules.checkPassword('12345678'), '');
    assert.equal(rules.checkPassword('a'.repeat(72)), '');
    assert.equal(rules.checkPassword('é'.repeat(36)), '');
  });
  it('refuses 7 bytes and 73 bytes, also when the characters are fewer', () => {
    assert.match(rules.checkPassword('1234567'), /at least 8 bytes \(now 7\)/);
    assert.match(rules.checkPassword('a'.repeat(73)), /at most 72 bytes \(now 73\)/);
    // 37 characters, 74 bytes: bcrypt would cut it, the server refuses it.
    assert.match(rules.checkPassword('é'.repeat(37)), /at most 72 bytes \(now 74\)/);
  });
  it('refuses NUL', () => {
    assert.notEqual(rules.checkPassword('abcdefgh\u0000'), '');
  });
});

describe('email rule', () => {
  it('accepts a normal address, with surrounding spaces and capitals', () => {
    assert.equal(rules.checkEmail('Ann@Example.COM'), '');
    assert.equal(rules.checkEmail('  ann@example.com\t'), '');
  });
  it('needs exactly one @ with something on both sides', () => {
    assert.match(rules.checkEmail('ann.example.com'), /@-sign/);
    assert.match(rules.checkEmail('a@b@example.com'), /exactly one/);
    assert.match(rules.checkEmail('@example.com'), /before the @/);
    assert.match(rules.checkEmail('ann@'), /after the @/);
  });
  it('needs a dot inside the domain', () => {
    assert.match(rules.checkEmail('ann@localhost'), /period/);
    assert.match(rules.checkEmail('ann@.example'), /period/);
    assert.match(rules.checkEmail('ann@example.'), /period/);
    assert.match(rules.checkEmail('ann@example..com'), /period/);
  });
  it('refuses inner spaces and more than 254 characters', () => {
    assert.notEqual(rules.checkEmail('an n@example.com'), '');
    const local = 'a'.repeat(254 - '@example.com'.length);
    assert.equal(rules.checkEmail(`${local}@example.com`), '');
    assert.match(rules.checkEmail(`${local}a@example.com`), /254/);
  });
  it('asks for an address when empty', () => {
    assert.notEqual(rules.checkEmail('   '), '');
  });
});

describe('username rule (optional, 1..50 of [A-Za-z0-9_-])', () => {
  it('is optional', () => assert.equal(rules.checkUsername(''), ''));
  it('accepts the allowed characters up to 50', () => {
    assert.equal(rules.checkUsername('Ann_the-1st'), '');
    assert.equal(rules.checkUsername('a'.repeat(50)), '');
  });
  it('refuses 51 characters, spaces and other letters', () => {
    assert.match(rules.checkUsername('a'.repeat(51)), /at most 50/);
    assert.notEqual(rules.checkUsername('ann smith'), '');
    assert.notEqual(rules.checkUsername('anné'), '');
  });
});

describe('title and description rules', () => {
  it('trims the title and counts code points', () => {
    assert.notEqual(rules.checkTitle('   '), '');
    assert.equal(rules.checkTitle(`  ${'😀'.repeat(255)}  `), '');
    assert.match(rules.checkTitle('x'.repeat(256)), /255/);
    assert.equal(rules.checkDescription('😀'.repeat(1000)), '');
    assert.match(rules.checkDescription('x'.repeat(1001)), /1000/);
  });
});

describe('placing a server detail next to its field', () => {
  const fields = ['email', 'username', 'password'];
  it('puts each 422 item under the field loc[1] names', () => {
    const placed = errors.placeDetail(
      [
        { loc: ['body', 'email'], msg: 'value is not a valid email address', type: 'value_error' },
        { loc: ['body', 'password'], msg: 'too short', type: 'string_too_short' },
        { loc: ['body', 'password'], msg: 'second', type: 'x' },
      ],
      fields,
      422,
    );
    assert.deepEqual(placed.fields.get('email'), ['value is not a valid email address']);
    assert.deepEqual(placed.fields.get('password'), ['too short', 'second']);
    assert.deepEqual(placed.general, []);
  });
  it('sends items about unknown fields or the whole body to the form alert', () => {
    const placed = errors.placeDetail(
      [
        { loc: ['body'], msg: 'Input should be a valid dictionary', type: 'dict_type' },
        { loc: ['query', 'limit'], msg: 'too big', type: 'x' },
      ],
      fields,
      422,
    );
    assert.equal(placed.fields.size, 0);
    assert.deepEqual(placed.general, ['Input should be a valid dictionary', 'limit: too big']);
  });
  it('shows a string detail in the form alert', () => {
    const placed = errors.placeDetail('Incorrect email or password', fields, 401);
    assert.equal(placed.fields.size, 0);
    assert.deepEqual(placed.general, ['Incorrect email or password']);
  });
  it('puts a 409 conflict under the field it names', () => {
    assert.deepEqual(errors.placeDetail('Email already registered', fields, 409).fields.get('email'), [
      'Email already registered',
    ]);
    assert.deepEqual(errors.placeDetail('Username already taken', fields, 409).fields.get('username'), [
      'Username already taken',
    ]);
  });
  it('still says something when the body had no detail', () => {
    assert.deepEqual(errors.placeDetail(null, fields, 500).general, ['The server answered 500.']);
  });
});

describe('due dates (naive datetime-local values are UTC on the server)', () => {
  it('turns the server time into a datetime-local value and back', () => {
    assert.equal(dates.toInputValue('2026-12-01T10:30:00.000000Z'), '2026-12-01T10:30');
    assert.equal(dates.toInputValue(null), '');
    assert.equal(dates.fromInputValue('2026-12-01T10:30'), '2026-12-01T10:30');
    assert.equal(dates.fromInputValue(''), null);
  });
  it('shows the time in UTC whatever the local zone', () => {
    assert.equal(dates.formatUtc('2026-12-01T10:30:00.123456Z'), '1 Dec 2026, 10:30 UTC');
  });
  it('knows when a date has passed', () => {
    const now = Date.parse('2026-12-01T10:30:00Z');
    assert.equal(dates.isOverdue('2026-12-01T10:29:59.000000Z', now), true);
    assert.equal(dates.isOverdue('2026-12-01T10:30:01.000000Z', now), false);
  });
});

// live.js imports api.js (the token store): both loaded as data: URLs, the
// import pointed at the other. A fake fetch plays the server.
async function loadLive() {
  const api = await readFile(path.join(staticDir, 'api.js'), 'utf8');
  const apiUrl = `data:text/javascript;base64,${Buffer.from(api).toString('base64')}`;
  const live = (await readFile(path.join(staticDir, 'live.js'), 'utf8')).replace("from './api.js'", `from '${apiUrl}'`);
  return import(`data:text/javascript;base64,${Buffer.from(live).toString('base64')}`);
}

const memoryStorage = new Map();
globalThis.localStorage = {
  getItem: (key) => (memoryStorage.has(key) ? memoryStorage.get(key) : null),
  setItem: (key, value) => memoryStorage.set(key, String(value)),
  removeItem: (key) => memoryStorage.delete(key),
};
const { LiveSync } = await loadLive();

// A streamed answer whose body arrives in the given pieces, then ends.
function streamed(pieces, status = 200, headers = {}) {
  const encoder = new TextEncoder();
  const body = new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
  return { status, ok: status >= 200 && status < 300, body, headers: new Headers(headers) };
}

// Runs a LiveSync against answers given in order; resolves once `until`
// says so (checked after each callback), with what it was told and sent.
function follow(answers, until) {
  return new Promise((resolve) => {
    const told = { changes: [], resets: 0, ended: 0, requests: [] };
    const realFetch = globalThis.fetch;
    let live;
    const check = () => {
      if (until(told)) {
        live.stop();
        globalThis.fetch = realFetch;
        resolve(told);
      }
    };
    globalThis.fetch = async (url, init) => {
      told.requests.push({ url, headers: { ...init.headers } });
      const next = answers.shift();
      if (!next) return new Promise(() => {});  // nothing more: hang until stopped
      return next;
    };
    live = new LiveSync({
      onChange: (kind, data) => {
        told.changes.push([kind, data.id]);
        check();
      },
      onReset: () => {
        told.resets += 1;
        check();
      },
      onEnded: () => {
        told.ended += 1;
        check();
      },
    });
    live.retryMs = 1;  // reconnect at once in these cases
    live.start();
    live.retryMs = 1;
  });
}

describe('live sync client (live.js)', () => {
  localStorage.setItem('todo.token', 'a-token');

  it('reads events split anywhere, skips heartbeats and sends the token', async () => {
    const told = await follow(
      [streamed(['retr', 'y: 1\n\nid: 1\nevent: cre', 'ated\ndata: {"id":7,"title":"a"}\n', '\n:\n\nid: 2\r\nevent: deleted\r\ndata: {"id":7}\r\n\r\n'])],
      (t) => t.changes.length === 2,
    );
    assert.deepEqual(told.changes, [['created', 7], ['deleted', 7]]);
    assert.equal(told.requests[0].url, '/api/tasks/events');
    assert.equal(told.requests[0].headers.Authorization, 'Bearer a-token');
    assert.equal(told.requests[0].headers['Last-Event-ID'], undefined);
  });

  it('reconnects with Last-Event-ID after the stream ends', async () => {
    const told = await follow(
      [streamed(['retry: 1\n\nid: 5\nevent: updated\ndata: {"id":3}\n\n']), streamed(['id: 6\nevent: updated\ndata: {"id":4}\n\n'])],
      (t) => t.changes.length === 2,
    );
    assert.equal(told.requests.length, 2);
    assert.equal(told.requests[1].headers['Last-Event-ID'], '5');
  });

  it('reloads on reset and ends the session on revoked, without reconnecting', async () => {
    const told = await follow(
      [streamed(['id: 9\nevent: reset\ndata: {}\n\nevent: revoked\ndata: {"detail":"Session ended"}\n\n'])],
      (t) => t.ended === 1,
    );
    assert.equal(told.resets, 1);
    assert.equal(told.requests.length, 1);
  });

  it('ends the session on a 401', async () => {
    const told = await follow([streamed([], 401)], (t) => t.ended === 1);
    assert.equal(told.ended, 1);
  });
});
