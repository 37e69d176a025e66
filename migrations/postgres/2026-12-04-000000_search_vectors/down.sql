DROP TRIGGER article_search_visibility ON articles;
DROP TRIGGER article_search_vector_delete ON article_search;
DROP TRIGGER article_search_vector_write ON article_search;
DROP FUNCTION article_search_visibility();
DROP FUNCTION article_search_vector_delete();
DROP FUNCTION article_search_vector_write();
DROP TABLE article_search_vectors;
DROP FUNCTION article_visible_from(TEXT, TIMESTAMP, TIMESTAMP);
ALTER TABLE article_search ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', headline_text), 'A') || setweight(to_tsvector('simple', body_text), 'B')
) STORED;
CREATE INDEX article_search_gin ON article_search USING GIN (search);
