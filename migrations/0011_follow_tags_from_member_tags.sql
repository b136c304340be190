-- WeCom tags move from the member to the follow relation of the guide who tagged (issue 10). A row whose
-- tagger has a follow with the member goes to that follow; one without a known tagger goes to every follow
-- of the member (WeCom's union was all we knew). Then member_tags keeps manual and computed rows only.
INSERT INTO "follow_tags" ("guide_userid", "member_id", "tag_id", "created_at")
SELECT f."guide_userid", mt."member_id", mt."tag_id", mt."created_at"
FROM "member_tags" mt JOIN "follows" f ON f."member_id" = mt."member_id"
WHERE mt."source" = 'wecom'
  AND (f."guide_userid" = mt."tagged_by"
    OR NOT EXISTS (SELECT 1 FROM "follows" f2 WHERE f2."member_id" = mt."member_id" AND f2."guide_userid" = mt."tagged_by"))
ON CONFLICT DO NOTHING;--> statement-breakpoint
DELETE FROM "member_tags" WHERE "source" = 'wecom';
