DROP INDEX articles_section_public;
CREATE INDEX articles_section_public ON articles (section_id, status, published_at, id);
