CREATE TABLE `computed_member_tags` (
	`member_id` integer NOT NULL,
	`tag_id` text NOT NULL,
	`explanation` text NOT NULL,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`member_id`, `tag_id`),
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tag_id`) REFERENCES `tags`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `computed_member_tags_tag_idx` ON `computed_member_tags` (`tag_id`);--> statement-breakpoint
CREATE TABLE `follow_personal_tags` (
	`guide_userid` text NOT NULL,
	`member_id` integer NOT NULL,
	`group_name` text NOT NULL,
	`name` text NOT NULL,
	PRIMARY KEY(`guide_userid`, `member_id`, `group_name`, `name`),
	FOREIGN KEY (`guide_userid`) REFERENCES `staff`(`userid`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `follow_personal_tags_member_idx` ON `follow_personal_tags` (`member_id`);--> statement-breakpoint
CREATE TABLE `follow_tags` (
	`guide_userid` text NOT NULL,
	`member_id` integer NOT NULL,
	`tag_id` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`guide_userid`, `member_id`, `tag_id`),
	FOREIGN KEY (`guide_userid`) REFERENCES `staff`(`userid`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tag_id`) REFERENCES `tags`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `follow_tags_member_idx` ON `follow_tags` (`member_id`);--> statement-breakpoint
CREATE INDEX `follow_tags_tag_idx` ON `follow_tags` (`tag_id`);--> statement-breakpoint
CREATE TABLE `segments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`definition` text NOT NULL,
	`created_by` text NOT NULL,
	`store_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`created_by`) REFERENCES `staff`(`userid`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `segments_store_idx` ON `segments` (`store_id`);