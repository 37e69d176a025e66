DROP INDEX articles_featured_media;
ALTER TABLE articles DROP COLUMN featured_media_id;
DROP TABLE media;
