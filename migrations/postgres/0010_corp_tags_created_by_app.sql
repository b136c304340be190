ALTER TABLE "tag_groups" ADD COLUMN "created_by_app" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tags" ADD COLUMN "created_by_app" integer DEFAULT 0 NOT NULL;