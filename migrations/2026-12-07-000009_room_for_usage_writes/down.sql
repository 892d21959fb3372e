ALTER TABLE license_validation_days RESET (fillfactor);
ALTER TABLE licenses RESET (fillfactor);
