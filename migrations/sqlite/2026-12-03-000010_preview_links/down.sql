DROP TABLE preview_links;
