'use strict';
// The peer scripts/bench measures beside todo-server (BENCH_PEER=fastify):
// the task routes the load scenarios use, written the way a Fastify 5 +
// node-postgres service usually is. One process, a pg.Pool, a JWT (HS256,
// the same secret and claims as todo-server's tokens) checked per request
// against the user's row, then the route's statement: two round trips, one
// transaction each (autocommit), like the replaced FastAPI backend.
//
// Environment: DATABASE_URL (a libpq URI node-postgres understands, or
// PGHOST/PGPORT/PGUSER/PGDATABASE), JWT_SECRET, PORT (default 8090),
// PEER_POOL_SIZE (default 20). Prints "listening on http://127.0.0.1:PORT".

const crypto = require('node:crypto');
const Fastify = require('fastify');
const { Pool } = require('pg');

const secret = process.env.JWT_SECRET;
if (!secret) {
  console.error('JWT_SECRET is not set');
  process.exit(2);
}
const pool = new Pool({
  connectionString: process.env.DATABASE_URL || undefined,
  max: Number(process.env.PEER_POOL_SIZE || 20),
});

const COLUMNS = 'id, user_id, title, description, completed, priority, tags, due_date, created_at, updated_at';
const SORTS = new Set(['created_at', 'updated_at', 'due_date', 'priority', 'title']);
const PRIORITIES = new Set(['low', 'medium', 'high']);

class HttpError extends Error {
  constructor(status, detail) {
    super(detail);
    this.statusCode = status;
  }
}

function unauthorized() {
  return new HttpError(401, 'Could not validate credentials');
}

// HS256 only; exp required. Returns { id, ver }.
function verify(header) {
  if (!header || !header.startsWith('Bearer ')) throw unauthorized();
  const parts = header.slice(7).split('.');
  if (parts.length !== 3) throw unauthorized();
  const expected = crypto.createHmac('sha256', secret).update(parts[0] + '.' + parts[1]).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) throw unauthorized();
  let claims;
  try {
    const head = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    if (head.alg !== 'HS256') throw unauthorized();
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch (e) {
    throw unauthorized();
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) throw unauthorized();
  const id = Number(claims.sub);
  if (!Number.isSafeInteger(id) || id <= 0) throw unauthorized();
  return { id, ver: Number(claims.ver || 0) };
}

// get_current_user: the token, then the user's row (revocation check).
async function currentUser(request) {
  const claims = verify(request.headers.authorization);
  const { rows } = await pool.query('SELECT id, token_version FROM users WHERE id = $1', [claims.id]);
  if (rows.length === 0 || Number(rows[0].token_version) !== claims.ver) throw unauthorized();
  return claims.id;
}

function taskId(params) {
  const id = Number(params.id);
  if (!Number.isSafeInteger(id) || id <= 0) throw new HttpError(422, 'task id must be a positive integer');
  return id;
}

function tagsOf(value) {
  if (value === undefined || value === null) return null;
  const list = (Array.isArray(value) ? value : String(value).split(','))
    .map((t) => String(t).trim()).filter((t) => t.length > 0);
  return list.length ? list.join(',') : null;
}

function shaped(row) {
  return {
    id: Number(row.id),
    user_id: Number(row.user_id),
    title: row.title,
    description: row.description,
    completed: row.completed,
    priority: row.priority,
    tags: row.tags ? row.tags.split(',') : [],
    due_date: row.due_date,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const app = Fastify({ logger: false });
app.setErrorHandler((error, request, reply) => {
  const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
  reply.code(status).send({ detail: status === 500 ? 'Internal Server Error' : error.message });
});

app.get('/api/tasks', async (request) => {
  const user = await currentUser(request);
  const q = request.query;
  const limit = Math.min(Math.max(Number(q.limit || 50), 1), 100);
  const offset = Math.max(Number(q.offset || 0), 0);
  const sortBy = SORTS.has(q.sort_by) ? q.sort_by : 'created_at';
  const order = q.order === 'desc' ? 'DESC' : 'ASC';
  const where = ['user_id = $1'];
  const values = [user];
  if (q.completed === 'true' || q.completed === 'false') {
    values.push(q.completed === 'true');
    where.push(`completed = $${values.length}`);
  }
  if (PRIORITIES.has(q.priority)) {
    values.push(q.priority);
    where.push(`priority = $${values.length}`);
  }
  if (q.search) {
    values.push(`%${q.search}%`);
    where.push(`(title ILIKE $${values.length} OR description ILIKE $${values.length})`);
  }
  const filter = where.join(' AND ');
  const page = await pool.query(
    `SELECT ${COLUMNS} FROM tasks WHERE ${filter} ORDER BY ${sortBy} ${order}, id ASC ` +
      `LIMIT ${limit} OFFSET ${offset}`, values);
  const count = await pool.query(`SELECT count(*) AS total FROM tasks WHERE ${filter}`, values);
  return { items: page.rows.map(shaped), total: Number(count.rows[0].total), limit, offset };
});

app.post('/api/tasks', async (request, reply) => {
  const user = await currentUser(request);
  const body = request.body || {};
  const title = typeof body.title === 'string' ? body.title.trim() : '';
  if (title.length < 1 || title.length > 255) throw new HttpError(422, 'title must be 1 to 255 characters');
  const priority = PRIORITIES.has(body.priority) ? body.priority : 'medium';
  const { rows } = await pool.query(
    `INSERT INTO tasks (user_id, title, description, completed, priority, tags, due_date, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now()) RETURNING ${COLUMNS}`,
    [user, title, body.description ?? null, Boolean(body.completed), priority, tagsOf(body.tags),
      body.due_date ?? null]);
  reply.code(201);
  return shaped(rows[0]);
});

app.put('/api/tasks/:id', async (request) => {
  const user = await currentUser(request);
  const id = taskId(request.params);
  const body = request.body || {};
  const title = typeof body.title === 'string' ? body.title.trim() : null;
  if (title !== null && (title.length < 1 || title.length > 255)) {
    throw new HttpError(422, 'title must be 1 to 255 characters');
  }
  const priority = PRIORITIES.has(body.priority) ? body.priority : null;
  const { rows } = await pool.query(
    `UPDATE tasks SET title = COALESCE($3, title), priority = COALESCE($4, priority),
       description = CASE WHEN $5 THEN $6 ELSE description END, updated_at = now()
     WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
    [id, user, title, priority, 'description' in body, body.description ?? null]);
  if (rows.length === 0) throw new HttpError(404, 'Task not found');
  return shaped(rows[0]);
});

app.patch('/api/tasks/:id/complete', async (request) => {
  const user = await currentUser(request);
  const id = taskId(request.params);
  const { rows } = await pool.query(
    `UPDATE tasks SET completed = NOT completed, updated_at = now() WHERE id = $1 AND user_id = $2
     RETURNING ${COLUMNS}`, [id, user]);
  if (rows.length === 0) throw new HttpError(404, 'Task not found');
  return shaped(rows[0]);
});

app.delete('/api/tasks/:id', async (request) => {
  const user = await currentUser(request);
  const id = taskId(request.params);
  const { rowCount } = await pool.query('DELETE FROM tasks WHERE id = $1 AND user_id = $2', [id, user]);
  if (rowCount === 0) throw new HttpError(404, 'Task not found');
  return { message: 'Task deleted successfully' };
});

const port = Number(process.env.PORT || 8090);
app.listen({ host: '127.0.0.1', port }).then(() => {
  console.log(`listening on http://127.0.0.1:${app.server.address().port}`);
}).catch((e) => {
  console.error(e.message);
  process.exit(1);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => app.close().then(() => pool.end()).then(() => process.exit(0)));
}
