-- The public list's first pages (`models::article::page_listed`) read ids and publication times
-- in order from this index; with `deleted_at`, the last column visibility checks, they read
-- nothing else. Without it each entry cost a read of the article's row, and on SQLite a walk
-- through the body's overflow pages to reach that column.
DROP INDEX articles_public;
CREATE INDEX articles_public ON articles (status, published_at, id, deleted_at);
