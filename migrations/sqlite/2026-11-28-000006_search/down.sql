DROP TRIGGER article_search_update;
DROP TRIGGER article_search_delete;
DROP TRIGGER article_search_insert;
DROP TABLE article_search_fts;
DROP TABLE article_search;
