-- The tsvector moves out of `article_search` into a narrow table of its own, beside the one
-- fact a public search filters every match by: when the article became visible.
--
-- In `article_search` the vector sat beside both folded texts, about one row per 8 KB page, and
-- a search had to join every match to `articles` to learn whether it was public before keeping
-- the newest 1,000 (10,000 joins for a frequent pair of words). Here a row is the id, the
-- visibility and a pointer to the vector (out of line, uncompressed: `STORAGE EXTERNAL`; a
-- ~2.6 KB vector does not compress by the 25% pglz asks), 6 MB for 100,000 articles, so the
-- GIN index's matches are read, filtered and cut to the newest 1,000 without touching the
-- vectors; only the 1,000 kept are read back, to be ranked (`models::search`).
--
-- `visible_from` is the article's publication time while it is published and not in the trash,
-- NULL otherwise: a search keeps `visible_from <= now`, as `articles_visibility` answers for
-- the lists. Triggers keep it in step with `articles`, and the vector with `article_search`,
-- which stays what the application writes (both folded texts, as on SQLite, where it is the
-- FTS5 index's content table). Parallel plans are off for it: a search serves one reader among
-- many, and workers only add start-up cost under load.
CREATE TABLE article_search_vectors (
    article_id   BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    visible_from TIMESTAMP,
    search       tsvector NOT NULL
) WITH (parallel_workers = 0);
ALTER TABLE article_search_vectors ALTER COLUMN search SET STORAGE EXTERNAL;

CREATE FUNCTION article_visible_from(status TEXT, published_at TIMESTAMP, deleted_at TIMESTAMP)
RETURNS TIMESTAMP LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN status = 'published' AND deleted_at IS NULL THEN published_at END
$$;

INSERT INTO article_search_vectors (article_id, visible_from, search)
SELECT s.article_id, article_visible_from(a.status, a.published_at, a.deleted_at), s.search
FROM article_search s JOIN articles a ON a.id = s.article_id
ORDER BY s.article_id;
CREATE INDEX article_search_vectors_gin ON article_search_vectors USING GIN (search);
ALTER TABLE article_search DROP COLUMN search;
-- A search's plan depends on the lexemes' frequencies: gather them now, not at the next
-- autovacuum.
ANALYZE article_search_vectors;

-- Headline words weigh A, the rest B (see 2026-12-03-100000_ranked_search).
CREATE FUNCTION article_search_vector_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO article_search_vectors (article_id, visible_from, search)
    SELECT NEW.article_id,
           article_visible_from(a.status, a.published_at, a.deleted_at),
           setweight(to_tsvector('simple', NEW.headline_text), 'A')
           || setweight(to_tsvector('simple', NEW.body_text), 'B')
    FROM articles a WHERE a.id = NEW.article_id
    ON CONFLICT (article_id) DO UPDATE
        SET visible_from = EXCLUDED.visible_from, search = EXCLUDED.search;
    RETURN NULL;
END
$$;
CREATE FUNCTION article_search_vector_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM article_search_vectors WHERE article_id = OLD.article_id;
    RETURN NULL;
END
$$;
CREATE FUNCTION article_search_visibility() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_search_vectors
    SET visible_from = article_visible_from(NEW.status, NEW.published_at, NEW.deleted_at)
    WHERE article_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER article_search_vector_write AFTER INSERT OR UPDATE ON article_search
    FOR EACH ROW EXECUTE FUNCTION article_search_vector_write();
CREATE TRIGGER article_search_vector_delete AFTER DELETE ON article_search
    FOR EACH ROW EXECUTE FUNCTION article_search_vector_delete();
CREATE TRIGGER article_search_visibility AFTER UPDATE OF status, published_at, deleted_at ON articles
    FOR EACH ROW
    WHEN (article_visible_from(OLD.status, OLD.published_at, OLD.deleted_at)
          IS DISTINCT FROM article_visible_from(NEW.status, NEW.published_at, NEW.deleted_at))
    EXECUTE FUNCTION article_search_visibility();
