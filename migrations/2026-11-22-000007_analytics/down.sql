DROP INDEX IF EXISTS payments_analytics_refunded_idx;
DROP INDEX IF EXISTS payments_analytics_paid_idx;
DROP INDEX IF EXISTS license_validation_days_day_idx;
DROP INDEX IF EXISTS licenses_analytics_idx;
