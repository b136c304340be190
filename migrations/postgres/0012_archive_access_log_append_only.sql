-- The archive access log is append-only (issue 9): the database itself refuses to change or remove a row, so
-- no code path, script or hand-typed statement can rewrite who looked at what. TRUNCATE is refused too (it
-- skips row triggers). Only DROP TABLE and the table owner disabling the triggers get past this.
CREATE FUNCTION "archive_access_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'archive_access_log is append-only: % refused', TG_OP;
END
$$;--> statement-breakpoint
CREATE TRIGGER "archive_access_log_no_update_delete" BEFORE UPDATE OR DELETE ON "archive_access_log"
  FOR EACH ROW EXECUTE FUNCTION "archive_access_log_append_only"();--> statement-breakpoint
CREATE TRIGGER "archive_access_log_no_truncate" BEFORE TRUNCATE ON "archive_access_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "archive_access_log_append_only"();
