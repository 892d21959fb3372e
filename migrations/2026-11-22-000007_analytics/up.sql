-- Analytics: a per-product rollup of the validation counters, and indexes for the
-- reports (docs/benchmarks.md has their timings at 1 M licenses and 10 M
-- validation-day rows). IF NOT EXISTS on the indexes: on a big database an operator
-- may build them first with CREATE INDEX CONCURRENTLY under the same names.

-- Validations per product and UTC day, kept by triggers on license_validation_days
-- (every writer: the runtime's flush, imports, tests). A report then reads
-- products x days rows instead of joining every license's counters. Counts of a
-- deleted license stay in its product's history (they happened); a deleted product
-- takes its rows with it.
CREATE TABLE product_validation_days (
    product_id uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    day        date NOT NULL,
    count      bigint NOT NULL,
    PRIMARY KEY (product_id, day)
);
-- Platform validations of the last days (admin stats).
CREATE INDEX product_validation_days_day_idx ON product_validation_days (day) INCLUDE (count);

INSERT INTO product_validation_days (product_id, day, count)
SELECT l.product_id, v.day, sum(v.count)
FROM license_validation_days v JOIN licenses l ON l.id = v.license_id
GROUP BY 1, 2;

-- Statement-level, aggregated and in (product_id, day) order, so that concurrent
-- flushes lock rollup rows in one order (no deadlock) and once per statement.
CREATE FUNCTION product_validation_days_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO product_validation_days AS r (product_id, day, count)
        SELECT l.product_id, n.day, sum(n.count)
        FROM new_rows n JOIN licenses l ON l.id = n.license_id
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (product_id, day) DO UPDATE SET count = r.count + EXCLUDED.count;
    ELSE
        INSERT INTO product_validation_days AS r (product_id, day, count)
        SELECT l.product_id, n.day, sum(n.count - o.count)
        FROM new_rows n
        JOIN old_rows o ON o.license_id = n.license_id AND o.day = n.day
        JOIN licenses l ON l.id = n.license_id
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (product_id, day) DO UPDATE SET count = r.count + EXCLUDED.count;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER license_validation_days_inserted
    AFTER INSERT ON license_validation_days
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_validation_days_add();
CREATE TRIGGER license_validation_days_updated
    AFTER UPDATE ON license_validation_days
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_validation_days_add();

-- Statuses, seats and customers with an active license per account (and product):
-- an index-only scan instead of reading every license row.
CREATE INDEX IF NOT EXISTS licenses_analytics_idx
    ON licenses (user_id, product_id) INCLUDE (status, expires_at, activation_count, customer_id);

-- Revenue: money in by paid_at, refunds by the time they were refunded.
CREATE INDEX IF NOT EXISTS payments_analytics_paid_idx
    ON payments (user_id, paid_at) INCLUDE (product_id, currency, amount)
    WHERE status IN ('succeeded', 'refunded');
CREATE INDEX IF NOT EXISTS payments_analytics_refunded_idx
    ON payments (user_id, updated_at) INCLUDE (product_id, currency, amount)
    WHERE status = 'refunded';
