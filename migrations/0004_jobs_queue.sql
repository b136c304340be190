CREATE TABLE `job_schedules` (
	`name` text PRIMARY KEY NOT NULL,
	`interval_ms` integer NOT NULL,
	`payload` text DEFAULT '{}' NOT NULL,
	`next_run_at` integer NOT NULL,
	`last_run_at` integer
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`payload` text DEFAULT '{}' NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`singleton_key` text,
	`priority` integer DEFAULT 0 NOT NULL,
	`run_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer NOT NULL,
	`locked_by` text,
	`locked_until` integer,
	`progress` real,
	`last_error` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `jobs_due_idx` ON `jobs` (`status`,`run_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_singleton_idx` ON `jobs` (`name`,`singleton_key`) WHERE "status" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX `jobs_created_idx` ON `jobs` (`created_at`);