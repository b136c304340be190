CREATE TABLE `red_packet_counters` (
	`key` text PRIMARY KEY NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	`amount` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `red_packet_settings` (
	`id` text PRIMARY KEY NOT NULL,
	`settings` text NOT NULL,
	`updated_by` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `red_packet_store_budgets` (
	`store_id` text PRIMARY KEY NOT NULL,
	`month_fen` integer NOT NULL,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `red_packets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`idempotency_key` text NOT NULL,
	`mch_billno` text NOT NULL,
	`guide_userid` text NOT NULL,
	`store_id` text NOT NULL,
	`member_id` integer NOT NULL,
	`order_id` integer,
	`openid` text NOT NULL,
	`amount` integer NOT NULL,
	`reason_code` text NOT NULL,
	`wishing` text NOT NULL,
	`act_name` text NOT NULL,
	`remark` text NOT NULL,
	`status` text DEFAULT 'sending' NOT NULL,
	`reserved_keys` text NOT NULL,
	`pay_attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`send_listid` text,
	`detail_id` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`received_at` integer,
	`refunded_at` integer,
	`failed_at` integer,
	`checked_at` integer,
	FOREIGN KEY (`guide_userid`) REFERENCES `staff`(`userid`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `red_packets_idempotency_key_unique` ON `red_packets` (`idempotency_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `red_packets_mch_billno_unique` ON `red_packets` (`mch_billno`);--> statement-breakpoint
CREATE INDEX `red_packets_status_idx` ON `red_packets` (`status`,`checked_at`);--> statement-breakpoint
CREATE INDEX `red_packets_member_idx` ON `red_packets` (`member_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `red_packets_store_idx` ON `red_packets` (`store_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `red_packets_guide_idx` ON `red_packets` (`guide_userid`,`created_at`);