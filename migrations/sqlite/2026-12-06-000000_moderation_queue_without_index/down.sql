CREATE INDEX comments_created ON comments (created_at, id);
