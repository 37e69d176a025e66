-- Ranked search: the index keeps the headline (headline and alternative headline) apart from
-- the rest (summary and body text), so that ranking (`bm25(article_search_fts, 10.0, 1.0)`)
-- weighs a match in the headline above one in the body. Both columns hold folded text
-- (`content::html::search_columns`), written by the application with each article.
DROP TRIGGER article_search_update;
DROP TRIGGER article_search_delete;
DROP TRIGGER article_search_insert;
DROP TABLE article_search_fts;

CREATE TABLE article_search_split (
    article_id    INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    headline_text TEXT NOT NULL,
    body_text     TEXT NOT NULL
);
-- The old text started with the folded headlines: where it still does (ASCII headlines, as
-- `lower` folds them), the rest is the body text; otherwise the whole old text stays the body
-- text, until the article's next save writes both columns exactly.
INSERT INTO article_search_split (article_id, headline_text, body_text)
SELECT s.article_id,
       lower(a.headline || ' ' || coalesce(a.alternative_headline, '')),
       CASE WHEN substr(s.search_text, 1, length(lower(a.headline || ' ' || coalesce(a.alternative_headline, '') || ' ')))
                 = lower(a.headline || ' ' || coalesce(a.alternative_headline, '') || ' ')
            THEN substr(s.search_text, length(lower(a.headline || ' ' || coalesce(a.alternative_headline, '') || ' ')) + 1)
            ELSE s.search_text END
FROM article_search s JOIN articles a ON a.id = s.article_id;
DROP TABLE article_search;
ALTER TABLE article_search_split RENAME TO article_search;

CREATE VIRTUAL TABLE article_search_fts USING fts5(
    headline_text,
    body_text,
    content = 'article_search',
    content_rowid = 'article_id',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO article_search_fts (article_search_fts) VALUES ('rebuild');

CREATE TRIGGER article_search_insert AFTER INSERT ON article_search BEGIN
    INSERT INTO article_search_fts (rowid, headline_text, body_text)
    VALUES (new.article_id, new.headline_text, new.body_text);
END;
CREATE TRIGGER article_search_delete AFTER DELETE ON article_search BEGIN
    INSERT INTO article_search_fts (article_search_fts, rowid, headline_text, body_text)
    VALUES ('delete', old.article_id, old.headline_text, old.body_text);
END;
CREATE TRIGGER article_search_update AFTER UPDATE ON article_search BEGIN
    INSERT INTO article_search_fts (article_search_fts, rowid, headline_text, body_text)
    VALUES ('delete', old.article_id, old.headline_text, old.body_text);
    INSERT INTO article_search_fts (rowid, headline_text, body_text)
    VALUES (new.article_id, new.headline_text, new.body_text);
END;
