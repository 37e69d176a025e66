DROP TABLE comments;
DROP TABLE article_sources;
DROP TABLE article_tags;
DROP TABLE articles;
DROP TABLE sources;
DROP TABLE tags;
DROP TABLE sections;
DROP TABLE users;
