DROP INDEX articles_unannounced;
ALTER TABLE articles DROP COLUMN announced;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhook_endpoints;
