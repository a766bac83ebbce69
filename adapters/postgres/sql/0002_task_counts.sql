-- 0002: every user's task count, kept on the user's row by a trigger, so
-- that the total of an unfiltered list is read with the token check (one
-- primary-key lookup) instead of counting the user's tasks on every
-- request: the list then costs the same for 20 tasks or 20,000. Filtered
-- lists still count their matches.
ALTER TABLE users ADD COLUMN task_count bigint NOT NULL DEFAULT 0;

UPDATE users SET task_count = counted.n
FROM (SELECT user_id, count(*) AS n FROM tasks GROUP BY user_id) AS counted
WHERE users.id = counted.user_id;

-- Row-level: the service inserts and deletes one task per statement, where
-- this is one indexed UPDATE. The UPDATE takes the user's row lock until
-- commit, so concurrent writers of one user serialize on it; it does not
-- conflict with the KEY SHARE lock of the tasks.user_id foreign key. A user
-- deleted with ON DELETE CASCADE is already gone when its tasks' triggers
-- run, so their UPDATE finds no row. Bulk loads may disable the trigger
-- (session_replication_role = replica) and recount with the UPDATE above.
CREATE FUNCTION todo_count_tasks() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE users SET task_count = task_count + 1 WHERE id = NEW.user_id;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE users SET task_count = task_count - 1 WHERE id = OLD.user_id;
  ELSIF NEW.user_id IS DISTINCT FROM OLD.user_id THEN
    UPDATE users SET task_count = task_count - 1 WHERE id = OLD.user_id;
    UPDATE users SET task_count = task_count + 1 WHERE id = NEW.user_id;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER tasks_count_insert_delete AFTER INSERT OR DELETE ON tasks
  FOR EACH ROW EXECUTE FUNCTION todo_count_tasks();
CREATE TRIGGER tasks_count_move AFTER UPDATE OF user_id ON tasks
  FOR EACH ROW EXECUTE FUNCTION todo_count_tasks();
