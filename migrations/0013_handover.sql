CREATE TABLE `handover_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`handover_id` integer NOT NULL,
	`member_id` integer NOT NULL,
	`external_userid` text NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`reason` text,
	`errcode` integer,
	`takeover_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`handover_id`) REFERENCES `handovers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `handover_items_handover_idx` ON `handover_items` (`handover_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `handover_items_open_idx` ON `handover_items` (`member_id`) WHERE "status" in ('queued', 'pending');--> statement-breakpoint
CREATE INDEX `handover_items_status_idx` ON `handover_items` (`status`);--> statement-breakpoint
CREATE TABLE `handovers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`handover_userid` text NOT NULL,
	`takeover_userid` text NOT NULL,
	`created_by` text NOT NULL,
	`message` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`handover_userid`) REFERENCES `staff`(`userid`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`takeover_userid`) REFERENCES `staff`(`userid`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `staff`(`userid`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `handovers_created_idx` ON `handovers` (`created_at`);--> statement-breakpoint
CREATE TABLE `member_notes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`member_id` integer NOT NULL,
	`author_userid` text NOT NULL,
	`kind` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`author_userid`) REFERENCES `staff`(`userid`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `member_notes_member_idx` ON `member_notes` (`member_id`,`created_at`);