-- A section's public window (`models::article::section_candidates`) reads ids and publication
-- times in order from this index; with `deleted_at`, the last column visibility checks, it
-- reads nothing else. Without it each entry cost a read of the article's row, and on SQLite a
-- walk through the body's overflow pages to reach that column.
DROP INDEX articles_section_public;
CREATE INDEX articles_section_public ON articles (section_id, status, published_at, id, deleted_at);
