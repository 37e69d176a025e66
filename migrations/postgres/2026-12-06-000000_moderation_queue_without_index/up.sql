-- The moderation queue now merges each status's newest comments from comments_status_created
-- (src/models/comment.rs, `queue`); this index only served that page and cost every comment
-- submission a fifth index write (8-20% of the rate, bench/RESULTS.md).
DROP INDEX comments_created;
