-- Full-text search for `q` (PostgreSQL: a tsvector with a GIN index). `article_search` holds,
-- per article, the text search reads (headline, alternative headline, summary, and the body
-- without its markup), written by the application with each article. The 'simple'
-- configuration does not stem: it matches words and prefixes in any language.
CREATE TABLE article_search (
    article_id  BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    search_text TEXT NOT NULL,
    search      tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED
);
INSERT INTO article_search (article_id, search_text)
SELECT id, headline || ' ' || coalesce(alternative_headline, '') || ' ' || coalesce(summary, '') || ' ' || body
FROM articles;
CREATE INDEX article_search_gin ON article_search USING GIN (search);
