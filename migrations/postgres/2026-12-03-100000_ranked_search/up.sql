-- Ranked search: the index keeps the headline (headline and alternative headline) apart from
-- the rest (summary and body text): the tsvector gives headline words weight A and the rest
-- weight B, and ranking (`ts_rank_cd` with weights A = 1.0, B = 0.1) weighs a match in the
-- headline above one in the body. Both columns hold folded text
-- (`content::html::search_columns`), written by the application with each article.
CREATE TABLE article_search_split (
    article_id    BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    headline_text TEXT NOT NULL,
    body_text     TEXT NOT NULL,
    search        tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', headline_text), 'A') || setweight(to_tsvector('simple', body_text), 'B')
    ) STORED
);
-- The old text started with the folded headlines: where it still does (ASCII headlines, as
-- `lower` folds them), the rest is the body text; otherwise the whole old text stays the body
-- text, until the article's next save writes both columns exactly.
INSERT INTO article_search_split (article_id, headline_text, body_text)
SELECT s.article_id,
       lower(a.headline || ' ' || coalesce(a.alternative_headline, '')),
       CASE WHEN left(s.search_text, length(lower(a.headline || ' ' || coalesce(a.alternative_headline, '') || ' ')))
                 = lower(a.headline || ' ' || coalesce(a.alternative_headline, '') || ' ')
            THEN substr(s.search_text, length(lower(a.headline || ' ' || coalesce(a.alternative_headline, '') || ' ')) + 1)
            ELSE s.search_text END
FROM article_search s JOIN articles a ON a.id = s.article_id;
DROP TABLE article_search;
ALTER TABLE article_search_split RENAME TO article_search;
ALTER TABLE article_search RENAME CONSTRAINT article_search_split_pkey TO article_search_pkey;
ALTER TABLE article_search RENAME CONSTRAINT article_search_split_article_id_fkey TO article_search_article_id_fkey;
CREATE INDEX article_search_gin ON article_search USING GIN (search);
