ALTER TABLE `tag_groups` ADD `created_by_app` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `tags` ADD `created_by_app` integer DEFAULT false NOT NULL;