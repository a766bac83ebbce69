-- 0001: users and tasks.
-- Text comparisons that must not depend on the database's locale (hosted
-- databases often run with an ICU or glibc ctype under which lower() and
-- ILIKE fold non-ASCII letters too) go through todo_ascii_lower(), which
-- folds A-Z only: exactly what the core and the memory adapter do. Under the
-- "C" collation lower() is documented to treat only ASCII A-Z as letters, and
-- it works bytewise, ~20x faster than translate() on UTF-8 text. IMMUTABLE
-- so it can back unique indexes; a one-line SQL function, so the planner
-- inlines it and index expressions match the queries.
CREATE FUNCTION todo_ascii_lower(text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT lower($1 COLLATE "C") $$;

CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email         text NOT NULL CHECK (char_length(email) BETWEEN 1 AND 254),
  username      text CHECK (char_length(username) BETWEEN 1 AND 50),
  password_hash text NOT NULL,
  token_version bigint NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL
);
-- The constraint names are what the adapter reads to tell "email already
-- registered" from "username already taken".
CREATE UNIQUE INDEX users_email_key ON users (todo_ascii_lower(email));
CREATE UNIQUE INDEX users_username_key ON users (todo_ascii_lower(username))
  WHERE username IS NOT NULL;

CREATE TABLE tasks (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 255),
  description text CHECK (char_length(description) <= 1000),
  completed   boolean NOT NULL DEFAULT false,
  priority    text NOT NULL DEFAULT 'medium' CHECK (priority IN ('high', 'medium', 'low')),
  -- The comma-joined tag list as sent on the wire; NULL when there are none.
  tags        text CHECK (tags <> '' AND char_length(tags) <= 500),
  due_date    timestamptz,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
-- Every list query is scoped to one user and, by default, ordered by
-- created_at then id: this index serves both the filter and that order, and
-- the user_id prefix serves the other sorts and the ON DELETE CASCADE.
CREATE INDEX tasks_user_created_idx ON tasks (user_id, created_at, id);
