DROP TRIGGER articles_section_listing_move;
DROP TRIGGER articles_section_listing_update;
DROP TRIGGER articles_section_listing_insert;
DROP TRIGGER sections_parent_update;
DROP TRIGGER sections_ancestors_insert;
DROP TABLE section_listings;
DROP TABLE section_ancestors;
