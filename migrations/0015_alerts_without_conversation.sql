PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_archive_alerts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dedupe_key` text NOT NULL,
	`rule_id` integer NOT NULL,
	`message_id` integer,
	`conversation_id` integer,
	`store_id` text,
	`guide_userid` text,
	`excerpt` text NOT NULL,
	`matched` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`raised_at` integer NOT NULL,
	`acknowledged_by` text,
	`acknowledged_at` integer,
	`resolved_by` text,
	`resolved_at` integer,
	`note` text,
	`notified_at` integer,
	FOREIGN KEY (`rule_id`) REFERENCES `archive_rules`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`message_id`) REFERENCES `archive_messages`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`conversation_id`) REFERENCES `archive_conversations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_archive_alerts`("id", "dedupe_key", "rule_id", "message_id", "conversation_id", "store_id", "guide_userid", "excerpt", "matched", "status", "raised_at", "acknowledged_by", "acknowledged_at", "resolved_by", "resolved_at", "note", "notified_at") SELECT "id", "dedupe_key", "rule_id", "message_id", "conversation_id", "store_id", "guide_userid", "excerpt", "matched", "status", "raised_at", "acknowledged_by", "acknowledged_at", "resolved_by", "resolved_at", "note", "notified_at" FROM `archive_alerts`;--> statement-breakpoint
DROP TABLE `archive_alerts`;--> statement-breakpoint
ALTER TABLE `__new_archive_alerts` RENAME TO `archive_alerts`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `archive_alerts_dedupe_key_unique` ON `archive_alerts` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `archive_alerts_store_idx` ON `archive_alerts` (`store_id`,`status`,`raised_at`);--> statement-breakpoint
CREATE INDEX `archive_alerts_status_idx` ON `archive_alerts` (`status`,`raised_at`);--> statement-breakpoint
CREATE INDEX `archive_alerts_notify_idx` ON `archive_alerts` (`notified_at`);