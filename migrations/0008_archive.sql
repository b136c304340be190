CREATE TABLE `archive_access_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`userid` text NOT NULL,
	`role` text NOT NULL,
	`action` text NOT NULL,
	`target` text NOT NULL,
	`ip` text NOT NULL,
	`user_agent` text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `archive_access_log_at_idx` ON `archive_access_log` (`at`);--> statement-breakpoint
CREATE INDEX `archive_access_log_user_idx` ON `archive_access_log` (`userid`,`at`);--> statement-breakpoint
CREATE TABLE `archive_agreements` (
	`userid` text NOT NULL,
	`external_userid` text NOT NULL,
	`status` text NOT NULL,
	`checked_at` integer NOT NULL,
	PRIMARY KEY(`userid`, `external_userid`)
);
--> statement-breakpoint
CREATE TABLE `archive_alerts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dedupe_key` text NOT NULL,
	`rule_id` integer NOT NULL,
	`message_id` integer,
	`conversation_id` integer NOT NULL,
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
CREATE UNIQUE INDEX `archive_alerts_dedupe_key_unique` ON `archive_alerts` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `archive_alerts_store_idx` ON `archive_alerts` (`store_id`,`status`,`raised_at`);--> statement-breakpoint
CREATE INDEX `archive_alerts_status_idx` ON `archive_alerts` (`status`,`raised_at`);--> statement-breakpoint
CREATE INDEX `archive_alerts_notify_idx` ON `archive_alerts` (`notified_at`);--> statement-breakpoint
CREATE TABLE `archive_checkpoints` (
	`source` text PRIMARY KEY NOT NULL,
	`seq` integer DEFAULT 0 NOT NULL,
	`stored` integer DEFAULT 0 NOT NULL,
	`duplicates` integer DEFAULT 0 NOT NULL,
	`rejected` integer DEFAULT 0 NOT NULL,
	`not_agreed` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `archive_conversations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`roomid` text DEFAULT '' NOT NULL,
	`guide_userid` text,
	`external_userid` text,
	`member_id` integer,
	`store_id` text,
	`first_at` integer NOT NULL,
	`last_at` integer NOT NULL,
	`message_count` integer DEFAULT 0 NOT NULL,
	`unanswered_since` integer,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `archive_conversations_key_unique` ON `archive_conversations` (`key`);--> statement-breakpoint
CREATE INDEX `archive_conversations_store_idx` ON `archive_conversations` (`store_id`,`last_at`);--> statement-breakpoint
CREATE INDEX `archive_conversations_guide_idx` ON `archive_conversations` (`guide_userid`,`last_at`);--> statement-breakpoint
CREATE INDEX `archive_conversations_member_idx` ON `archive_conversations` (`member_id`);--> statement-breakpoint
CREATE INDEX `archive_conversations_unanswered_idx` ON `archive_conversations` (`unanswered_since`);--> statement-breakpoint
CREATE TABLE `archive_media` (
	`sha256` text PRIMARY KEY NOT NULL,
	`size` integer NOT NULL,
	`ext` text NOT NULL,
	`stored_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `archive_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`seq` integer NOT NULL,
	`msgid` text NOT NULL,
	`conversation_id` integer NOT NULL,
	`msgtime` integer NOT NULL,
	`action` text NOT NULL,
	`msgtype` text NOT NULL,
	`from_id` text NOT NULL,
	`sender` text NOT NULL,
	`guide_userid` text,
	`member_id` integer,
	`store_id` text,
	`content` text DEFAULT '' NOT NULL,
	`search_text` text DEFAULT '' NOT NULL,
	`body` text NOT NULL,
	`media_sdkfileid` text,
	`media_md5` text,
	`media_status` text DEFAULT 'none' NOT NULL,
	`media_sha256` text,
	`media_error` text,
	`recalled_at` integer,
	`response_ms` integer,
	`ingested_at` integer NOT NULL,
	FOREIGN KEY (`conversation_id`) REFERENCES `archive_conversations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `archive_messages_msgid_unique` ON `archive_messages` (`msgid`);--> statement-breakpoint
CREATE INDEX `archive_messages_conversation_idx` ON `archive_messages` (`conversation_id`,`id`);--> statement-breakpoint
CREATE INDEX `archive_messages_store_idx` ON `archive_messages` (`store_id`,`msgtime`);--> statement-breakpoint
CREATE INDEX `archive_messages_guide_idx` ON `archive_messages` (`guide_userid`,`msgtime`);--> statement-breakpoint
CREATE INDEX `archive_messages_member_idx` ON `archive_messages` (`member_id`,`msgtime`);--> statement-breakpoint
CREATE INDEX `archive_messages_media_idx` ON `archive_messages` (`media_status`);--> statement-breakpoint
CREATE TABLE `archive_rejects` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source` text NOT NULL,
	`seq` integer NOT NULL,
	`msgid` text NOT NULL,
	`publickey_ver` integer,
	`reason` text NOT NULL,
	`detail` text NOT NULL,
	`raw` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `archive_rejects_source_seq_idx` ON `archive_rejects` (`source`,`seq`);--> statement-breakpoint
CREATE TABLE `archive_rules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`scope` text NOT NULL,
	`scope_id` text,
	`words` text DEFAULT '[]' NOT NULL,
	`pattern` text,
	`behaviour` text,
	`timeout_minutes` integer,
	`work_start_minute` integer DEFAULT 540 NOT NULL,
	`work_end_minute` integer DEFAULT 1260 NOT NULL,
	`notify` integer DEFAULT true NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `archive_terms` (
	`term` text NOT NULL,
	`message_id` integer NOT NULL,
	PRIMARY KEY(`term`, `message_id`)
);
