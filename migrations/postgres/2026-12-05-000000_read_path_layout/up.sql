-- The SQLite migration of this version lays out rows and indexes for SQLite's overflow pages
-- (a covering index for visibility by slug, small members of stored documents first). PostgreSQL
-- keeps long values out of line (TOAST), so neither applies here. What both share: replies by
-- thread are indexed alone, top-level comments (no root) left out.
DROP INDEX comments_root;
CREATE INDEX comments_root ON comments (root_id, status, created_at) WHERE root_id IS NOT NULL;
