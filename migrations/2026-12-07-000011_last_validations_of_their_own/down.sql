UPDATE licenses AS l SET last_validated_at = v.validated_at
FROM license_last_validations v WHERE v.license_id = l.id;
COMMENT ON COLUMN licenses.last_validated_at IS NULL;
DROP TABLE license_last_validations;
