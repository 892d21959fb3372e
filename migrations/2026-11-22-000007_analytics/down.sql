DROP INDEX IF EXISTS payments_analytics_refunded_idx;
DROP INDEX IF EXISTS payments_analytics_paid_idx;
DROP INDEX IF EXISTS licenses_analytics_idx;
DROP TRIGGER IF EXISTS license_validation_days_updated ON license_validation_days;
DROP TRIGGER IF EXISTS license_validation_days_inserted ON license_validation_days;
DROP FUNCTION IF EXISTS product_validation_days_add();
DROP TABLE IF EXISTS product_validation_days;
