// Live-sync load for scripts/bench --live (issue 22); the idle streams are
// held by hold.cpp beside this file.
//
//   latency --base URL --tokens FILE --streams N --rate R --seconds S
//     Opens one stream for each of the first N tokens, then creates tasks
//     at R per second for S seconds (round robin over those users, over a
//     pool of keep-alive connections), each with a unique title. For every
//     create answered 201 it waits for its `created` event on its user's
//     stream and records the time from sending the create to the event's
//     arrival (and, apart, to the create's own 201: a slow write shows
//     there, a slow event only in the first). Prints a BENCH_JSON line: percentiles, and how many events
//     were lost (a 201 without its event 5 s after the last create) or
//     came twice (an id seen twice on one stream).
//
// Plain node:http, no dependencies; one process, one event loop.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

function args() {
  const out = { mode: process.argv[2] };
  for (let i = 3; i < process.argv.length; i += 2) out[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
  return out;
}

const opts = args();
const base = new URL(opts.base);
const tokens = readFileSync(opts.tokens, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => line.split(' ')[0]);
if (tokens.length === 0) throw new Error('no tokens');

const streamAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

// Opens one stream; onEvent(event) for each complete event. Resolves with
// the status once the head arrived.
function openStream(token, onEvent, onEnd) {
  return new Promise((resolve) => {
    const request = http.request(
      {
        host: base.hostname,
        port: base.port,
        path: '/api/tasks/events',
        agent: streamAgent,
        headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
      },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          resolve(response.statusCode);
          return;
        }
        response.setEncoding('utf8');
        let buffer = '';
        let event = { id: '', type: 'message', data: '' };
        response.on('data', (text) => {
          buffer += text;
          let newline;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            if (line === '') {
              if (event.data !== '' || event.type !== 'message') onEvent(event);
              event = { id: '', type: 'message', data: '' };
            } else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) event.type = line.slice(7);
            else if (line.startsWith('data: ')) event.data += line.slice(6);
          }
        });
        response.on('end', () => onEnd?.());
        response.on('error', () => onEnd?.());
        resolve(200);
      },
    );
    request.on('error', () => resolve(0));
    request.end();
  });
}

// Opens `count` streams, `parallel` at a time.
async function openMany(count, tokenFor, onEvent, onEnd, parallel = 200) {
  const statuses = new Array(count);
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next;
      next += 1;
      statuses[i] = await openStream(tokenFor(i), (e) => onEvent(i, e), () => onEnd(i));
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return statuses;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function latency() {
  const count = Math.min(Number(opts.streams), tokens.length);
  const rate = Number(opts.rate);
  const seconds = Number(opts.seconds);
  const pending = new Map(); // title -> send time
  const latencies = [];
  const answered = []; // send -> 201, to tell a slow write from a slow event
  const seenIds = Array.from({ length: count }, () => new Set());
  let duplicated = 0;
  let unmatched = 0;
  let dropped = 0;
  const statuses = await openMany(
    count,
    (i) => tokens[i],
    (i, event) => {
      if (event.type !== 'created') return;
      if (seenIds[i].has(event.id)) {
        duplicated += 1;
        return;
      }
      seenIds[i].add(event.id);
      const title = JSON.parse(event.data).title;
      const sent = pending.get(title);
      if (sent === undefined) {
        unmatched += 1;
        return;
      }
      pending.delete(title);
      latencies.push(performance.now() - sent);
    },
    () => {
      dropped += 1;
    },
  );
  const opened = statuses.filter((s) => s === 200).length;
  if (opened !== count) throw new Error(`only ${opened} of ${count} streams opened`);

  const writeAgent = new http.Agent({ keepAlive: true, maxSockets: Number(opts.connections ?? 64) });
  let created = 0;
  let failed = 0;
  const acknowledged = new Set();
  const total = rate * seconds;
  const start = performance.now();
  const inflight = [];
  for (let n = 0; n < total; n += 1) {
    const due = start + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const title = `live ${n} ${Math.random().toString(36).slice(2)}`;
    const body = JSON.stringify({ title });
    const token = tokens[n % count];
    inflight.push(
      new Promise((resolve) => {
        const sentAt = performance.now();
        pending.set(title, sentAt);
        const request = http.request(
          {
            host: base.hostname,
            port: base.port,
            path: '/api/tasks',
            method: 'POST',
            agent: writeAgent,
            headers: {
              Authorization: `Bearer ${token}`,
              'Content-Type': 'application/json',
              'Content-Length': Buffer.byteLength(body),
            },
          },
          (response) => {
            response.resume();
            response.on('end', () => {
              if (response.statusCode === 201) {
                answered.push(performance.now() - sentAt);
                created += 1;
                acknowledged.add(title);
              } else {
                failed += 1;
                pending.delete(title);
              }
              resolve();
            });
          },
        );
        request.on('error', () => {
          failed += 1;
          pending.delete(title);
          resolve();
        });
        request.end(body);
      }),
    );
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - start) / 1000;
  // Events still on their way get 5 s.
  const deadline = performance.now() + 5000;
  while ([...pending.keys()].some((t) => acknowledged.has(t)) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const lost = [...pending.keys()].filter((t) => acknowledged.has(t)).length;
  latencies.sort((a, b) => a - b);
  answered.sort((a, b) => a - b);
  const round = (x) => Math.round(x * 100) / 100;
  console.log(
    `BENCH_JSON ${JSON.stringify({
      scenario: 'live_latency',
      streams: count,
      rate,
      seconds,
      writes_per_s: round(created / elapsed),
      created,
      failed,
      events: latencies.length,
      lost,
      duplicated,
      unmatched,
      dropped,
      p50_ms: round(percentile(latencies, 50)),
      p90_ms: round(percentile(latencies, 90)),
      p99_ms: round(percentile(latencies, 99)),
      max_ms: round(latencies.length ? latencies[latencies.length - 1] : 0),
      create_p50_ms: round(percentile(answered, 50)),
      create_p99_ms: round(percentile(answered, 99)),
    })}`,
  );
  process.exit(0);
}

if (opts.mode === 'latency') await latency();
else throw new Error('mode: latency');
