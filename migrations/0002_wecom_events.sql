CREATE TABLE `wecom_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dedupe_key` text NOT NULL,
	`event` text NOT NULL,
	`change_type` text,
	`payload` text NOT NULL,
	`received_at` integer NOT NULL,
	`processed_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `wecom_events_dedupe_key_unique` ON `wecom_events` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `wecom_events_pending_idx` ON `wecom_events` (`processed_at`,`id`);