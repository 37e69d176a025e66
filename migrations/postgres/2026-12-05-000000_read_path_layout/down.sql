DROP INDEX comments_root;
CREATE INDEX comments_root ON comments (root_id, status, created_at);
