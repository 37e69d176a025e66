DROP INDEX comments_article_created;
DROP INDEX comments_root;
ALTER TABLE comments DROP COLUMN root_id;
