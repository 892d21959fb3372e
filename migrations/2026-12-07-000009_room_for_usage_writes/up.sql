-- Room on every page for the next version of its rows. The usage flush rewrites the
-- counter row of each license validated since the last flush (every
-- LICENTIA_USAGE_FLUSH_SECONDS) and lastValidatedAt on the license row (at most once a
-- minute); neither column is indexed, so with room on the page each write is a
-- heap-only (HOT) update that touches no index. Measured with 100 000 licenses on the
-- 2-core benchmark machine: a flush's counter upserts take about 30 % less time.
-- Existing pages get the room as they are rewritten (VACUUM FULL, or pg_repack
-- without a long lock), at the operator's choice; new pages have it at once.
ALTER TABLE licenses SET (fillfactor = 80);
ALTER TABLE license_validation_days SET (fillfactor = 80);
