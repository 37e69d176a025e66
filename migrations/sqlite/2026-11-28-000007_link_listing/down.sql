DROP TRIGGER articles_listing_update;
DROP TRIGGER article_sources_listing_insert;
DROP TRIGGER article_tags_listing_insert;
DROP INDEX article_sources_listing;
DROP INDEX article_tags_listing;
ALTER TABLE article_sources DROP COLUMN listed_at;
ALTER TABLE article_tags DROP COLUMN listed_at;
