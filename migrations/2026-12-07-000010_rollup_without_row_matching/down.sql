-- Back to the rollup that pairs each updated row with its old version.
CREATE OR REPLACE FUNCTION product_validation_days_add() RETURNS trigger
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
