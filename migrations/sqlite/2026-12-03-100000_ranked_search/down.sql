DROP TRIGGER article_search_update;
DROP TRIGGER article_search_delete;
DROP TRIGGER article_search_insert;
DROP TABLE article_search_fts;

CREATE TABLE article_search_joined (
    article_id  INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    search_text TEXT NOT NULL
);
INSERT INTO article_search_joined (article_id, search_text)
SELECT article_id, headline_text || ' ' || body_text FROM article_search;
DROP TABLE article_search;
ALTER TABLE article_search_joined RENAME TO article_search;

CREATE VIRTUAL TABLE article_search_fts USING fts5(
    search_text,
    content = 'article_search',
    content_rowid = 'article_id',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO article_search_fts (article_search_fts) VALUES ('rebuild');

CREATE TRIGGER article_search_insert AFTER INSERT ON article_search BEGIN
    INSERT INTO article_search_fts (rowid, search_text) VALUES (new.article_id, new.search_text);
END;
CREATE TRIGGER article_search_delete AFTER DELETE ON article_search BEGIN
    INSERT INTO article_search_fts (article_search_fts, rowid, search_text)
    VALUES ('delete', old.article_id, old.search_text);
END;
CREATE TRIGGER article_search_update AFTER UPDATE ON article_search BEGIN
    INSERT INTO article_search_fts (article_search_fts, rowid, search_text)
    VALUES ('delete', old.article_id, old.search_text);
    INSERT INTO article_search_fts (rowid, search_text) VALUES (new.article_id, new.search_text);
END;
