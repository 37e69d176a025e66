CREATE OR REPLACE FUNCTION article_listing_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    listed TIMESTAMP := article_listed_at(NEW.status, NEW.published_at, NEW.deleted_at);
BEGIN
    UPDATE article_tags SET listed_at = listed
    WHERE article_id = NEW.id AND listed_at IS DISTINCT FROM listed;
    UPDATE article_sources SET listed_at = listed
    WHERE article_id = NEW.id AND listed_at IS DISTINCT FROM listed;
    RETURN NULL;
END
$$;
ALTER TABLE site_settings DROP COLUMN social_image_url;
ALTER TABLE site_settings DROP COLUMN logo_url;
ALTER TABLE sources DROP COLUMN meta_description;
ALTER TABLE sources DROP COLUMN seo_title;
ALTER TABLE tags DROP COLUMN meta_description;
ALTER TABLE tags DROP COLUMN seo_title;
ALTER TABLE sections DROP COLUMN meta_description;
ALTER TABLE sections DROP COLUMN seo_title;
DROP INDEX articles_word_count_missing;
ALTER TABLE articles DROP COLUMN word_count;
ALTER TABLE articles DROP COLUMN social_image_url;
ALTER TABLE articles DROP COLUMN social_description;
ALTER TABLE articles DROP COLUMN social_title;
ALTER TABLE articles DROP COLUMN noindex;
ALTER TABLE articles DROP COLUMN canonical_url;
ALTER TABLE articles DROP COLUMN meta_description;
ALTER TABLE articles DROP COLUMN seo_title;
ALTER TABLE articles DROP COLUMN byline;
DROP TABLE article_authors;
DROP TABLE author_profiles;
