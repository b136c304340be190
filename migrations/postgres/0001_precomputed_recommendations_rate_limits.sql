CREATE TABLE "member_recommendations" (
	"member_id" bigint PRIMARY KEY NOT NULL,
	"model_run_id" bigint,
	"items" text NOT NULL,
	"computed_at" bigint NOT NULL,
	"stale_since" bigint
);
--> statement-breakpoint
CREATE TABLE "rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"count" bigint NOT NULL,
	"reset_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "member_recommendations" ADD CONSTRAINT "member_recommendations_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_recommendations" ADD CONSTRAINT "member_recommendations_model_run_id_model_runs_id_fk" FOREIGN KEY ("model_run_id") REFERENCES "public"."model_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "member_recommendations_stale_idx" ON "member_recommendations" USING btree ("stale_since");--> statement-breakpoint
CREATE INDEX "rate_limits_reset_idx" ON "rate_limits" USING btree ("reset_at");