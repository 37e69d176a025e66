-- The site's logo and default share image as media library items (their URLs and variants come
-- from the library); the URL columns remain for an image kept elsewhere.
ALTER TABLE site_settings ADD COLUMN logo_media_id INTEGER REFERENCES media (id);
ALTER TABLE site_settings ADD COLUMN social_image_media_id INTEGER REFERENCES media (id);
