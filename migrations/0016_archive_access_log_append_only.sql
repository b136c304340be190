-- The archive access log is append-only (issue 9): the database itself refuses to change or remove a row, so
-- no code path, script or hand-typed statement can rewrite who looked at what. Rebuilding this table in a
-- later migration drops these triggers with it: recreate them there (archive/access-log.test.ts would fail).
CREATE TRIGGER `archive_access_log_no_update` BEFORE UPDATE ON `archive_access_log`
BEGIN
  SELECT RAISE(ABORT, 'archive_access_log is append-only: UPDATE refused');
END;--> statement-breakpoint
CREATE TRIGGER `archive_access_log_no_delete` BEFORE DELETE ON `archive_access_log`
BEGIN
  SELECT RAISE(ABORT, 'archive_access_log is append-only: DELETE refused');
END;
