CREATE TABLE `attributions` (
	`order_id` integer PRIMARY KEY NOT NULL,
	`send_id` integer NOT NULL,
	`match_level` text NOT NULL,
	`matched_amount` integer NOT NULL,
	`revenue` integer NOT NULL,
	`attributed_at` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`send_id`) REFERENCES `sends`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `attributions_send_idx` ON `attributions` (`send_id`);--> statement-breakpoint
CREATE TABLE `recommendations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`member_id` integer NOT NULL,
	`guide_userid` text NOT NULL,
	`model_run_id` integer,
	`items` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`model_run_id`) REFERENCES `model_runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `recommendations_member_idx` ON `recommendations` (`member_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `model_runs` ADD `artifact` blob;