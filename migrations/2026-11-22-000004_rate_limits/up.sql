-- Rate-limit budgets shared by every app instance (LICENTIA_RATE_LIMITS=postgres).
--
-- UNLOGGED: no WAL, so cheap to update on every request; after a crash PostgreSQL
-- empties the table, which forgives every budget once (acceptable for rate limits).
-- One row per budget key; per window (second, minute, hour) the GCRA theoretical
-- arrival time and the emission interval it is counted in, both in nanoseconds
-- (crates/domain/src/rate_limit.rs holds the arithmetic and its tests).
CREATE UNLOGGED TABLE rate_limits (
    key             text PRIMARY KEY,
    tat_second      bigint NOT NULL DEFAULT 0,
    interval_second bigint NOT NULL DEFAULT 0,
    tat_minute      bigint NOT NULL DEFAULT 0,
    interval_minute bigint NOT NULL DEFAULT 0,
    tat_hour        bigint NOT NULL DEFAULT 0,
    interval_hour   bigint NOT NULL DEFAULT 0,
    -- The greatest TAT: from then on the row equals no row and may be deleted. Not
    -- indexed, so that updates stay HOT; the purge scans the (small) table.
    idle_at         bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 70);

-- Draws one request from every budget in p_keys, all or nothing, atomically.
--
-- p_quotas holds, per key and per window (second, minute, hour), the emission
-- interval and the tolerance (interval × limit): six numbers per key. Keys must be
-- distinct and sorted, so that concurrent calls lock rows in one order. Returns each
-- key's state as it was before (the caller recomputes the decision from it with the
-- domain's `take`, which is the same arithmetic) and whether the request passed.
CREATE FUNCTION rate_limit_take(p_keys text[], p_quotas bigint[], p_now bigint)
RETURNS TABLE (
    budget text,
    before_tat_second bigint, before_interval_second bigint,
    before_tat_minute bigint, before_interval_minute bigint,
    before_tat_hour bigint, before_interval_hour bigint,
    allowed boolean
)
LANGUAGE plpgsql AS $$
DECLARE
    n integer := coalesce(array_length(p_keys, 1), 0);
    pre bigint[] := '{}';   -- per key and window: tat, interval (as stored)
    kept bigint[] := '{}';  -- per key and window: the TAT to store if refused
    admitted bigint[] := '{}';  -- per key and window: the TAT to store if admitted
    ok boolean := true;
    stored bigint[];
    i integer;
    w integer;
    tat bigint;
    step bigint;
    tolerance bigint;
BEGIN
    FOR i IN 1 .. n LOOP
        -- Create or lock the row (the no-op update takes the row lock).
        INSERT INTO rate_limits AS r (key) VALUES (p_keys[i])
        ON CONFLICT (key) DO UPDATE SET key = r.key
        RETURNING ARRAY[r.tat_second, r.interval_second, r.tat_minute, r.interval_minute,
                        r.tat_hour, r.interval_hour]
        INTO stored;
        pre := pre || stored;
        FOR w IN 0 .. 2 LOOP
            tat := stored[w * 2 + 1];
            step := p_quotas[(i - 1) * 6 + w * 2 + 1];
            tolerance := p_quotas[(i - 1) * 6 + w * 2 + 2];
            -- A TAT counted in another interval (the limit changed): keep the number
            -- of requests owed (rate_limit::rescaled_tat).
            IF stored[w * 2 + 2] <> 0 AND stored[w * 2 + 2] <> step AND tat > p_now THEN
                tat := p_now + div((tat - p_now)::numeric * step, stored[w * 2 + 2])::bigint;
            END IF;
            kept := kept || tat;
            admitted := admitted || (greatest(tat, p_now) + step);
            IF greatest(tat, p_now) + step - p_now > tolerance THEN
                ok := false;
            END IF;
        END LOOP;
    END LOOP;

    UPDATE rate_limits AS r SET
        tat_second = t.v[1], interval_second = p_quotas[(s.i - 1) * 6 + 1],
        tat_minute = t.v[2], interval_minute = p_quotas[(s.i - 1) * 6 + 3],
        tat_hour   = t.v[3], interval_hour   = p_quotas[(s.i - 1) * 6 + 5],
        idle_at    = greatest(t.v[1], t.v[2], t.v[3])
    FROM generate_series(1, n) AS s(i),
         LATERAL (SELECT CASE WHEN ok THEN admitted[(s.i - 1) * 3 + 1 : s.i * 3]
                              ELSE kept[(s.i - 1) * 3 + 1 : s.i * 3] END AS v) AS t
    WHERE r.key = p_keys[s.i];

    RETURN QUERY
        SELECT p_keys[s.i],
               pre[(s.i - 1) * 6 + 1], pre[(s.i - 1) * 6 + 2],
               pre[(s.i - 1) * 6 + 3], pre[(s.i - 1) * 6 + 4],
               pre[(s.i - 1) * 6 + 5], pre[(s.i - 1) * 6 + 6],
               ok
        FROM generate_series(1, n) AS s(i);
END
$$;
