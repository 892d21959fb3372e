DROP TABLE license_validation_days;
DROP TABLE signing_keys;
DROP TABLE activations;
ALTER TABLE licenses DROP COLUMN heartbeat_interval_seconds;
