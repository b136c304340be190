CREATE TABLE `follows` (
	`guide_userid` text NOT NULL,
	`member_id` integer NOT NULL,
	`remark` text,
	`description` text,
	`added_at` integer NOT NULL,
	`add_way` integer DEFAULT 0 NOT NULL,
	`state` text,
	`status` text DEFAULT 'active' NOT NULL,
	PRIMARY KEY(`guide_userid`, `member_id`),
	FOREIGN KEY (`guide_userid`) REFERENCES `staff`(`userid`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `follows_member_idx` ON `follows` (`member_id`);--> statement-breakpoint
CREATE TABLE `member_identities` (
	`member_id` integer NOT NULL,
	`platform` text NOT NULL,
	`buyer_id` text NOT NULL,
	PRIMARY KEY(`platform`, `buyer_id`),
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `member_identities_member_idx` ON `member_identities` (`member_id`);--> statement-breakpoint
CREATE TABLE `member_scores` (
	`member_id` integer PRIMARY KEY NOT NULL,
	`p_alive` real,
	`p_buy_7` real,
	`p_buy_30` real,
	`expected_value` integer,
	`expected_next_at` integer,
	`sufficiency` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `member_tags` (
	`member_id` integer NOT NULL,
	`tag_id` text NOT NULL,
	`source` text NOT NULL,
	`tagged_by` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`member_id`, `tag_id`),
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tag_id`) REFERENCES `tags`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `members` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`external_userid` text,
	`unionid` text,
	`phone_hash` text,
	`phone_masked` text,
	`name` text NOT NULL,
	`avatar` text,
	`gender` integer DEFAULT 0 NOT NULL,
	`city` text,
	`birthday` text,
	`level` text,
	`home_store_id` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`home_store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `members_external_userid_unique` ON `members` (`external_userid`);--> statement-breakpoint
CREATE UNIQUE INDEX `members_unionid_unique` ON `members` (`unionid`);--> statement-breakpoint
CREATE INDEX `members_phone_idx` ON `members` (`phone_hash`);--> statement-breakpoint
CREATE TABLE `model_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`trained_at` integer NOT NULL,
	`params` text NOT NULL,
	`metrics` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `model_runs_kind_idx` ON `model_runs` (`kind`,`trained_at`);--> statement-breakpoint
CREATE TABLE `order_lines` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_id` integer NOT NULL,
	`sku_id` text NOT NULL,
	`spu_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`unit_price` integer NOT NULL,
	`amount` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`sku_id`) REFERENCES `products`(`sku_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `order_lines_order_idx` ON `order_lines` (`order_id`);--> statement-breakpoint
CREATE INDEX `order_lines_sku_idx` ON `order_lines` (`sku_id`);--> statement-breakpoint
CREATE TABLE `orders` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`platform` text NOT NULL,
	`order_no` text NOT NULL,
	`member_id` integer,
	`buyer_id` text,
	`store_id` text,
	`status` text NOT NULL,
	`total_amount` integer NOT NULL,
	`paid_amount` integer NOT NULL,
	`refunded_amount` integer DEFAULT 0 NOT NULL,
	`paid_at` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_platform_no_idx` ON `orders` (`platform`,`order_no`);--> statement-breakpoint
CREATE INDEX `orders_member_paid_idx` ON `orders` (`member_id`,`paid_at`);--> statement-breakpoint
CREATE INDEX `orders_paid_idx` ON `orders` (`paid_at`);--> statement-breakpoint
CREATE TABLE `products` (
	`sku_id` text PRIMARY KEY NOT NULL,
	`spu_id` text NOT NULL,
	`name` text NOT NULL,
	`category_path` text NOT NULL,
	`category` text NOT NULL,
	`price` integer NOT NULL,
	`season` text,
	`color` text,
	`size` text,
	`attributes` text DEFAULT '{}' NOT NULL,
	`stock` integer DEFAULT 0 NOT NULL,
	`image_url` text NOT NULL,
	`link_url` text NOT NULL,
	`miniprogram_page` text,
	`consumable` integer DEFAULT false NOT NULL,
	`launched_at` integer NOT NULL,
	`status` text DEFAULT 'on_sale' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `products_spu_idx` ON `products` (`spu_id`);--> statement-breakpoint
CREATE INDEX `products_category_idx` ON `products` (`category`);--> statement-breakpoint
CREATE TABLE `replies` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`group_id` integer NOT NULL,
	`title` text NOT NULL,
	`content` text NOT NULL,
	`use_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`group_id`) REFERENCES `reply_groups`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `replies_group_idx` ON `replies` (`group_id`);--> statement-breakpoint
CREATE TABLE `reply_groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`sort_order` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sends` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`idempotency_key` text NOT NULL,
	`guide_userid` text NOT NULL,
	`member_id` integer NOT NULL,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`reply_id` integer,
	`sku_id` text,
	`recommendation_id` integer,
	`reason_code` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`err_msg` text,
	`created_at` integer NOT NULL,
	`completed_at` integer,
	FOREIGN KEY (`guide_userid`) REFERENCES `staff`(`userid`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`reply_id`) REFERENCES `replies`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`sku_id`) REFERENCES `products`(`sku_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sends_idempotency_key_unique` ON `sends` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `sends_member_idx` ON `sends` (`member_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `sends_guide_idx` ON `sends` (`guide_userid`,`created_at`);--> statement-breakpoint
CREATE TABLE `staff` (
	`userid` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`store_id` text,
	`avatar` text,
	`status` integer DEFAULT 1 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `staff_store_idx` ON `staff` (`store_id`);--> statement-breakpoint
CREATE TABLE `stores` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`city` text NOT NULL,
	`wecom_department_id` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stores_wecom_department_id_unique` ON `stores` (`wecom_department_id`);--> statement-breakpoint
CREATE TABLE `tag_groups` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`sort_order` integer DEFAULT 0 NOT NULL,
	`source` text NOT NULL,
	`deleted` integer DEFAULT false NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tags` (
	`id` text PRIMARY KEY NOT NULL,
	`group_id` text NOT NULL,
	`name` text NOT NULL,
	`sort_order` integer DEFAULT 0 NOT NULL,
	`deleted` integer DEFAULT false NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`group_id`) REFERENCES `tag_groups`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `tags_group_idx` ON `tags` (`group_id`);--> statement-breakpoint
CREATE TABLE `wecom_credentials` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`expires_at` integer NOT NULL
);
