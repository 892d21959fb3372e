DROP TABLE site_actions;
DROP TABLE sites;
