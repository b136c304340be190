CREATE TABLE `member_recommendations` (
	`member_id` integer PRIMARY KEY NOT NULL,
	`model_run_id` integer,
	`items` text NOT NULL,
	`computed_at` integer NOT NULL,
	`stale_since` integer,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`model_run_id`) REFERENCES `model_runs`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `member_recommendations_stale_idx` ON `member_recommendations` (`stale_since`);--> statement-breakpoint
CREATE TABLE `rate_limits` (
	`key` text PRIMARY KEY NOT NULL,
	`count` integer NOT NULL,
	`reset_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rate_limits_reset_idx` ON `rate_limits` (`reset_at`);