CREATE TABLE article_search_joined (
    article_id  BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    search_text TEXT NOT NULL,
    search      tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED
);
INSERT INTO article_search_joined (article_id, search_text)
SELECT article_id, headline_text || ' ' || body_text FROM article_search;
DROP TABLE article_search;
ALTER TABLE article_search_joined RENAME TO article_search;
ALTER TABLE article_search RENAME CONSTRAINT article_search_joined_pkey TO article_search_pkey;
ALTER TABLE article_search RENAME CONSTRAINT article_search_joined_article_id_fkey TO article_search_article_id_fkey;
CREATE INDEX article_search_gin ON article_search USING GIN (search);
