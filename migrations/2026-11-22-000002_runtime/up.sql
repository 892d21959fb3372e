-- Runtime licensing: activations (seats), signing keys, buffered validation counters.

ALTER TABLE licenses
    ADD COLUMN heartbeat_interval_seconds integer CHECK (heartbeat_interval_seconds > 0);

CREATE TABLE activations (
    id                uuid PRIMARY KEY,
    license_id        uuid NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
    fingerprint       text,
    domain            text,
    name              text,
    platform          text,
    ip_address        text,
    metadata          jsonb NOT NULL DEFAULT '{}',
    last_heartbeat_at timestamptz NOT NULL,
    created_at        timestamptz NOT NULL,
    CONSTRAINT activations_one_seat CHECK ((fingerprint IS NULL) <> (domain IS NULL))
);
CREATE UNIQUE INDEX activations_license_id_fingerprint_key ON activations (license_id, fingerprint)
    WHERE fingerprint IS NOT NULL;
CREATE UNIQUE INDEX activations_license_id_domain_key ON activations (license_id, domain)
    WHERE domain IS NOT NULL;

-- Private keys are sealed with AES-256-GCM under LICENTIA_MASTER_KEY; at most one is active.
CREATE TABLE signing_keys (
    kid                text PRIMARY KEY,
    public_key         bytea NOT NULL,
    sealed_private_key bytea NOT NULL,
    active             boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL
);
CREATE UNIQUE INDEX signing_keys_single_active ON signing_keys (active) WHERE active;

-- Validations per license and day, flushed in batches from memory.
CREATE TABLE license_validation_days (
    license_id uuid NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
    day        date NOT NULL,
    count      bigint NOT NULL,
    PRIMARY KEY (license_id, day)
);
