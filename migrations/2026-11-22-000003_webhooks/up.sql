-- Webhook endpoints, and the per-endpoint delivery queue fed by the outbox.
-- A delivery row is written in the same transaction as the outbox event it carries;
-- dispatchers claim due rows with FOR UPDATE SKIP LOCKED and a lease.

CREATE TABLE webhook_endpoints (
    id                     uuid PRIMARY KEY,
    user_id                uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- No foreign key: an endpoint filtered to a product outlives it (it receives
    -- product.deleted, then nothing more).
    product_id             uuid,
    url                    text NOT NULL,
    events                 text[] NOT NULL CHECK (cardinality(events) > 0),
    description            text,
    enabled                boolean NOT NULL,
    disabled_reason        text,
    failing_since          timestamptz,
    -- AES-256-GCM under the master key; the previous secret signs for 24 h after a rotation.
    secret_sealed          bytea NOT NULL,
    previous_secret_sealed bytea,
    secret_rotated_at      timestamptz,
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL
);
CREATE INDEX webhook_endpoints_user_idx ON webhook_endpoints (user_id, created_at DESC, id DESC);

CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY,
    endpoint_id     uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        uuid NOT NULL REFERENCES outbox_events (id) ON DELETE CASCADE,
    state           text NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
    attempt_count   integer NOT NULL DEFAULT 0,
    -- Pending: when it is due (a claim pushes it out by the lease). Otherwise null.
    next_attempt_at timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT webhook_deliveries_once UNIQUE (endpoint_id, event_id),
    CONSTRAINT webhook_deliveries_due_when_pending
        CHECK ((state = 'pending') = (next_attempt_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_endpoint_idx
    ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
    delivery_id  uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    number       integer NOT NULL CHECK (number > 0),
    status_code  integer,
    latency_ms   integer NOT NULL,
    error        text,
    attempted_at timestamptz NOT NULL,
    PRIMARY KEY (delivery_id, number)
);
