CREATE TABLE "computed_member_tags" (
	"member_id" bigint NOT NULL,
	"tag_id" text NOT NULL,
	"explanation" text NOT NULL,
	"computed_at" bigint NOT NULL,
	CONSTRAINT "computed_member_tags_member_id_tag_id_pk" PRIMARY KEY("member_id","tag_id")
);
--> statement-breakpoint
CREATE TABLE "follow_personal_tags" (
	"guide_userid" text NOT NULL,
	"member_id" bigint NOT NULL,
	"group_name" text NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "follow_personal_tags_guide_userid_member_id_group_name_name_pk" PRIMARY KEY("guide_userid","member_id","group_name","name")
);
--> statement-breakpoint
CREATE TABLE "follow_tags" (
	"guide_userid" text NOT NULL,
	"member_id" bigint NOT NULL,
	"tag_id" text NOT NULL,
	"created_at" bigint DEFAULT (floor(extract(epoch from clock_timestamp()) * 1000))::bigint NOT NULL,
	CONSTRAINT "follow_tags_guide_userid_member_id_tag_id_pk" PRIMARY KEY("guide_userid","member_id","tag_id")
);
--> statement-breakpoint
ALTER TABLE "computed_member_tags" ADD CONSTRAINT "computed_member_tags_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "computed_member_tags" ADD CONSTRAINT "computed_member_tags_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_personal_tags" ADD CONSTRAINT "follow_personal_tags_guide_userid_staff_userid_fk" FOREIGN KEY ("guide_userid") REFERENCES "public"."staff"("userid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_personal_tags" ADD CONSTRAINT "follow_personal_tags_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_tags" ADD CONSTRAINT "follow_tags_guide_userid_staff_userid_fk" FOREIGN KEY ("guide_userid") REFERENCES "public"."staff"("userid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_tags" ADD CONSTRAINT "follow_tags_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_tags" ADD CONSTRAINT "follow_tags_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "computed_member_tags_tag_idx" ON "computed_member_tags" USING btree ("tag_id");--> statement-breakpoint
CREATE INDEX "follow_personal_tags_member_idx" ON "follow_personal_tags" USING btree ("member_id");--> statement-breakpoint
CREATE INDEX "follow_tags_member_idx" ON "follow_tags" USING btree ("member_id");--> statement-breakpoint
CREATE INDEX "follow_tags_tag_idx" ON "follow_tags" USING btree ("tag_id");