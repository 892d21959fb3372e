DROP FUNCTION rate_limit_take(text[], bigint[], bigint);
DROP TABLE rate_limits;
