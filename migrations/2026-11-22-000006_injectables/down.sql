DROP TABLE injectables;
