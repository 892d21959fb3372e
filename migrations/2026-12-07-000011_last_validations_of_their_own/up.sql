-- lastValidatedAt leaves the licenses row for a narrow table of its own.
--
-- The runtime's usage flush writes it (at most once a minute per license) for every
-- license validated since the last flush: at 100 000 busy licenses, 100 000 writes a
-- minute. On the wide licenses row a write that finds no room on its page goes to
-- all seven of its indexes. Here a row is 40 bytes with one index, and a write that
-- finds no room touches that index only. Measured on the 2-core benchmark machine
-- (autovacuum off), writing it for 100 000 licenses cost a PostgreSQL backend 2.7 to
-- 4.4 CPU seconds on the licenses row, 0.7 to 1.4 here.
--
-- Expand/contract: licenses.last_validated_at stays, unread and unwritten by this
-- release, and is dropped by a later one. During a rolling upgrade the previous
-- release still writes it; those minutes are not carried over.
CREATE TABLE license_last_validations (
    license_id   uuid PRIMARY KEY REFERENCES licenses (id) ON DELETE CASCADE,
    validated_at timestamptz NOT NULL
) WITH (fillfactor = 80);

INSERT INTO license_last_validations (license_id, validated_at)
SELECT id, last_validated_at FROM licenses WHERE last_validated_at IS NOT NULL;

COMMENT ON COLUMN licenses.last_validated_at IS
    'Unused: see license_last_validations. Dropped by a later release.';
