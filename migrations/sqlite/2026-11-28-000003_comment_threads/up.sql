-- The top-level comment of each reply's thread, so a page of threads loads its replies in one
-- query instead of one per level.
ALTER TABLE comments ADD COLUMN root_id INTEGER REFERENCES comments (id) ON DELETE CASCADE;
CREATE INDEX comments_root ON comments (root_id, status, created_at);
-- Duplicate submissions are looked up by article, name and time.
CREATE INDEX comments_article_created ON comments (article_id, created_at);
