CREATE TABLE `material_groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`sort_order` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `material_groups_name_unique` ON `material_groups` (`name`);--> statement-breakpoint
CREATE TABLE `material_media` (
	`material_id` integer PRIMARY KEY NOT NULL,
	`content_hash` text NOT NULL,
	`media_id` text NOT NULL,
	`uploaded_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`material_id`) REFERENCES `materials`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `material_media_expires_idx` ON `material_media` (`expires_at`);--> statement-breakpoint
CREATE TABLE `material_opens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`send_id` integer NOT NULL,
	`material_id` integer NOT NULL,
	`member_id` integer NOT NULL,
	`opened_at` integer NOT NULL,
	FOREIGN KEY (`send_id`) REFERENCES `sends`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`material_id`) REFERENCES `materials`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `material_opens_send_idx` ON `material_opens` (`send_id`);--> statement-breakpoint
CREATE INDEX `material_opens_material_idx` ON `material_opens` (`material_id`);--> statement-breakpoint
CREATE TABLE `material_sends` (
	`send_id` integer PRIMARY KEY NOT NULL,
	`material_id` integer NOT NULL,
	FOREIGN KEY (`send_id`) REFERENCES `sends`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`material_id`) REFERENCES `materials`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `material_sends_material_idx` ON `material_sends` (`material_id`);--> statement-breakpoint
CREATE TABLE `material_stores` (
	`material_id` integer NOT NULL,
	`store_id` text NOT NULL,
	PRIMARY KEY(`material_id`, `store_id`),
	FOREIGN KEY (`material_id`) REFERENCES `materials`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `material_stores_store_idx` ON `material_stores` (`store_id`);--> statement-breakpoint
CREATE TABLE `materials` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`group_id` integer,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`link_url` text,
	`cover_url` text,
	`page_path` text,
	`content_hash` text,
	`file_name` text,
	`mime_type` text,
	`size_bytes` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`archived_at` integer,
	FOREIGN KEY (`group_id`) REFERENCES `material_groups`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `staff`(`userid`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `materials_listed_idx` ON `materials` (`archived_at`,`created_at`);--> statement-breakpoint
CREATE INDEX `materials_kind_idx` ON `materials` (`kind`,`archived_at`);--> statement-breakpoint
CREATE INDEX `materials_group_idx` ON `materials` (`group_id`);--> statement-breakpoint
CREATE TABLE `reply_retirements` (
	`reply_id` integer PRIMARY KEY NOT NULL,
	`retired_at` integer NOT NULL,
	`retired_by` text NOT NULL,
	FOREIGN KEY (`reply_id`) REFERENCES `replies`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `reply_stores` (
	`reply_id` integer NOT NULL,
	`store_id` text NOT NULL,
	PRIMARY KEY(`reply_id`, `store_id`),
	FOREIGN KEY (`reply_id`) REFERENCES `replies`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `reply_stores_store_idx` ON `reply_stores` (`store_id`);