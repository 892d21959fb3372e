-- Indexes for the analytics reports (docs/benchmarks.md has the plans' timings).
-- IF NOT EXISTS: on a big database an operator may build them first with
-- CREATE INDEX CONCURRENTLY under the same names, and this migration is then a no-op.

-- Statuses, seats and customers with an active license per account (and product):
-- an index-only scan instead of reading every license row.
CREATE INDEX IF NOT EXISTS licenses_analytics_idx
    ON licenses (user_id, product_id) INCLUDE (status, expires_at, activation_count, customer_id);

-- Platform validations of the last days (admin stats).
CREATE INDEX IF NOT EXISTS license_validation_days_day_idx
    ON license_validation_days (day) INCLUDE (count);

-- Revenue: money in by paid_at, refunds by the time they were refunded.
CREATE INDEX IF NOT EXISTS payments_analytics_paid_idx
    ON payments (user_id, paid_at) INCLUDE (product_id, currency, amount)
    WHERE status IN ('succeeded', 'refunded');
CREATE INDEX IF NOT EXISTS payments_analytics_refunded_idx
    ON payments (user_id, updated_at) INCLUDE (product_id, currency, amount)
    WHERE status = 'refunded';
