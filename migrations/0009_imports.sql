CREATE TABLE `identity_resolutions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`action` text NOT NULL,
	`member_id` integer NOT NULL,
	`platform` text,
	`buyer_id` text,
	`from_member_id` integer,
	`order_ids` text NOT NULL,
	`identities` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`undone_at` integer,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`from_member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `identity_resolutions_created_idx` ON `identity_resolutions` (`created_at`);--> statement-breakpoint
CREATE TABLE `order_imports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`platform` text,
	`file_name` text NOT NULL,
	`items_file_name` text,
	`file_path` text NOT NULL,
	`items_file_path` text,
	`status` text DEFAULT 'queued' NOT NULL,
	`job_id` integer,
	`report` text,
	`refusal` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `order_imports_created_idx` ON `order_imports` (`created_at`);--> statement-breakpoint
CREATE TABLE `order_sources` (
	`order_id` integer PRIMARY KEY NOT NULL,
	`import_id` integer,
	`line` integer NOT NULL,
	`receiver_name` text,
	`phone_masked` text,
	`phone_hash` text,
	`unionid` text,
	`matched_by` text,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`import_id`) REFERENCES `order_imports`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `order_unmapped_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_id` integer NOT NULL,
	`outer_id` text NOT NULL,
	`title` text NOT NULL,
	`quantity` integer NOT NULL,
	`unit_price` integer NOT NULL,
	`amount` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `order_unmapped_items_order_idx` ON `order_unmapped_items` (`order_id`);--> statement-breakpoint
CREATE INDEX `order_unmapped_items_outer_idx` ON `order_unmapped_items` (`outer_id`);