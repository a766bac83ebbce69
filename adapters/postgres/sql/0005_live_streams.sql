-- 0005: live sync's MAX_STREAMS_PER_USER counted over every instance, at
-- the cost of one row per (user, instance) instead of one advisory lock per
-- open stream (0004's instances held 10,000 session locks for 10,000
-- streams; measured, the list load beside them lost about a quarter of its
-- throughput, and PostgreSQL's lock table had to be sized for them).
--
-- An instance is its listening connection: `instance` is that backend's
-- pid, and the connection holds the session advisory lock
-- (1413742593, pid) while it lives. A row whose instance no longer holds
-- its lock belongs to a dead instance (killed, or cut off by a failover)
-- and is not counted; the next count for that user deletes it.
--
-- UNLOGGED: the counts describe open connections, which a crash or a
-- failover closes anyway (crash recovery empties an unlogged table, and a
-- promoted standby starts with it empty); no WAL is written for them.
CREATE UNLOGGED TABLE live_streams (
  user_id   bigint  NOT NULL,
  instance  integer NOT NULL,
  streams   integer NOT NULL CHECK (streams > 0),
  PRIMARY KEY (user_id, instance)
);

-- Takes one of `p_user`'s stream places for the calling connection's
-- instance when fewer than `p_max` are open on every live instance.
-- The user's places are counted and taken by one instance at a time (a
-- transaction advisory lock on (1413742594, user folded to 32 bits); two
-- users sharing a fold only wait for each other).
CREATE FUNCTION todo_take_stream(p_user bigint, p_max integer) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  me constant integer := pg_backend_pid();
  open_streams bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(1413742594, ((p_user # (p_user >> 32)) & 4294967295)::bit(32)::integer);
  -- A dead instance's lock is free: a shared try on it succeeds. (A
  -- connection never conflicts with its own lock, hence "instance <> me".)
  DELETE FROM live_streams AS l
  WHERE l.user_id = p_user AND l.instance <> me
    AND pg_try_advisory_xact_lock_shared(1413742593, l.instance);
  SELECT coalesce(sum(l.streams), 0) INTO open_streams FROM live_streams AS l
  WHERE l.user_id = p_user;
  IF open_streams >= p_max THEN
    RETURN false;
  END IF;
  INSERT INTO live_streams AS l (user_id, instance, streams) VALUES (p_user, me, 1)
  ON CONFLICT ON CONSTRAINT live_streams_pkey DO UPDATE SET streams = l.streams + 1;
  RETURN true;
END
$$;
