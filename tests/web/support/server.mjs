// Runs the real todo-server (env TODO_SERVER) on a free port and waits for
// its `listening on http://HOST:PORT` line.

import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export function serverPath() {
  const candidates = [
    process.env.TODO_SERVER,
    path.join(root, 'build/dev/app/todo-server'),
    path.join(root, 'build/release/app/todo-server'),
  ].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(`todo-server not found (set TODO_SERVER; tried ${candidates.join(', ')})`);
  }
  return found;
}

export function startServer(databaseUrl) {
  const binary = serverPath();
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    DATABASE_URL: databaseUrl,
    PORT: '0',
    BIND: '127.0.0.1',
    BCRYPT_COST: '4',
    // 40 characters, new for every run.
    JWT_SECRET: randomBytes(30).toString('base64'),
    LOG_LEVEL: process.env.WEB_LOG_LEVEL ?? 'warn',
  };
  const child = spawn(binary, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`todo-server did not print 'listening on' within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1].replace(/\/$/, ''));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    if (process.env.WEB_SERVER_LOG) child.stderr.on('data', (chunk) => appendFileSync(process.env.WEB_SERVER_LOG, chunk));
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`todo-server exited (code ${code}, signal ${signal}) before listening:\n${output}`));
    });
  });

  return listening.then((url) => ({
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  }));
}
