-- 0003: login throttling shared by every instance on this database (issue
-- 20). One row per counted event: a failed login is two rows (its email
-- and its address, one INSERT), a sign-up one. A decision reads the
-- newest events of one key through the index, so it costs the same with
-- one failure or a million in the table. Rows older than the longest
-- window are swept by the instances now and then (todo-server: at most
-- once a minute each).
CREATE TABLE throttle_events (
  kind smallint NOT NULL,  -- 1: failed login by email, 2: failed login by address, 3: sign-up by address
  key text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX throttle_events_kind_key_at ON throttle_events (kind, key, at DESC);
