// A throw-away PostgreSQL cluster for one test run, made with the project's
// scripts/lib/pg-local (socket only, no fsync) in a fresh folder under /tmp,
// removed afterwards. TEST_DATABASE_URL, when set, is used instead.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pgLocal = path.join(root, 'scripts/lib/pg-local');
// Any number works: with no TCP listener it only names the socket file,
// which lives in this cluster's private folder.
const SOCKET_PORT = '54329';

export async function startCluster() {
  if (process.env.TEST_DATABASE_URL) {
    return { url: process.env.TEST_DATABASE_URL, stop: async () => {} };
  }
  // /tmp rather than os.tmpdir(): the socket path must stay short and the
  // postgres user must be able to reach the folder.
  const dir = await mkdtemp('/tmp/todo-web-pg-');
  const env = { ...process.env, PG_LOCAL_LISTEN: '', PG_LOCAL_FAST: '1' };
  const pg = (...args) => run(pgLocal, args, { env, timeout: 120_000 });
  try {
    await pg('start', dir, SOCKET_PORT);
    await pg('ensure-db', dir, 'todo_web');
    const { stdout } = await pg('url', dir, 'todo_web');
    return {
      url: stdout.trim(),
      async stop() {
        try {
          await pg('stop', dir);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await pg('stop', dir).catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw new Error(`could not start PostgreSQL with ${pgLocal}: ${error.stderr || error.message}`);
  }
}
