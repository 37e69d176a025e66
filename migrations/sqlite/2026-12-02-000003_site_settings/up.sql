-- The site's settings: one row (id 1), edited by admins through /api/v1/site. Social links and
-- the navigation are ordered lists, stored as JSON text (validated by the API before storing).
CREATE TABLE site_settings (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description    TEXT,
    base_url       TEXT NOT NULL,
    language       TEXT NOT NULL,
    time_zone      TEXT NOT NULL,
    publisher_name TEXT,
    social_links   TEXT NOT NULL,
    navigation     TEXT NOT NULL,
    permalink      TEXT NOT NULL,
    version        INTEGER NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
INSERT INTO site_settings (id, name, description, base_url, language, time_zone, publisher_name,
                           social_links, navigation, permalink, version, updated_at)
VALUES (1, 'Dateline', NULL, 'http://localhost:3000', 'en', 'UTC', NULL, '[]', '[]',
        '/{section}/{slug}', 1, CURRENT_TIMESTAMP);
