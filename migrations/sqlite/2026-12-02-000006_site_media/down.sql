ALTER TABLE site_settings DROP COLUMN social_image_media_id;
ALTER TABLE site_settings DROP COLUMN logo_media_id;
