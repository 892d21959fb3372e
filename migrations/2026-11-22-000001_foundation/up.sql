-- Accounts, credentials, products, customers, licenses, the outbox and idempotency keys.
-- E-mail addresses, slugs and license key lookups arrive normalised from the domain crate.

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    name          text NOT NULL,
    password_hash text NOT NULL,
    tier          text NOT NULL DEFAULT 'start' CHECK (tier IN ('start', 'pro', 'enterprise')),
    role          text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE sessions (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE products (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL,
    slug        text NOT NULL,
    description text,
    key_prefix  text NOT NULL,
    plans       jsonb NOT NULL DEFAULT '[]',
    metadata    jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT products_user_id_slug_key UNIQUE (user_id, slug)
);
CREATE INDEX products_user_id_created_at_idx ON products (user_id, created_at DESC, id DESC);

CREATE TABLE product_domains (
    product_id uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    domain     text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (product_id, domain)
);

CREATE TABLE api_keys (
    id                    uuid PRIMARY KEY,
    user_id               uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name                  text NOT NULL,
    prefix                text NOT NULL,
    last_four             text NOT NULL,
    secret_hash           bytea NOT NULL,
    previous_secret_hash  bytea,
    previous_valid_until  timestamptz,
    scopes                text[] NOT NULL,
    product_id            uuid REFERENCES products (id) ON DELETE CASCADE,
    expires_at            timestamptz,
    revoked_at            timestamptz,
    last_used_at          timestamptz,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    CONSTRAINT api_keys_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX api_keys_previous_secret_hash_idx ON api_keys (previous_secret_hash)
    WHERE previous_secret_hash IS NOT NULL;
CREATE INDEX api_keys_user_id_created_at_idx ON api_keys (user_id, created_at DESC, id DESC);

CREATE TABLE customers (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email       text NOT NULL,
    name        text NOT NULL,
    company     text,
    external_id text,
    metadata    jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX customers_user_id_external_id_key ON customers (user_id, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX customers_user_id_created_at_idx ON customers (user_id, created_at DESC, id DESC);
CREATE INDEX customers_user_id_email_idx ON customers (user_id, email);

CREATE TABLE licenses (
    id                uuid PRIMARY KEY,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id        uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    customer_id       uuid REFERENCES customers (id) ON DELETE SET NULL,
    key               text NOT NULL,
    key_lookup        text NOT NULL,
    plan              text,
    status            text NOT NULL
                      CHECK (status IN ('INACTIVE', 'ACTIVE', 'SUSPENDED', 'REVOKED', 'EXPIRED')),
    issued_to         text,
    issued_email      text,
    features          text[] NOT NULL DEFAULT '{}',
    max_activations   integer CHECK (max_activations >= 0),
    activation_count  integer NOT NULL DEFAULT 0 CHECK (activation_count >= 0),
    expires_at        timestamptz,
    last_validated_at timestamptz,
    metadata          jsonb NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    CONSTRAINT licenses_key_lookup_key UNIQUE (key_lookup)
);
CREATE INDEX licenses_user_id_created_at_idx ON licenses (user_id, created_at DESC, id DESC);
CREATE INDEX licenses_product_id_created_at_idx ON licenses (product_id, created_at DESC, id DESC);
CREATE INDEX licenses_customer_id_idx ON licenses (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX licenses_expires_at_idx ON licenses (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE license_domains (
    license_id uuid NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
    domain     text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (license_id, domain)
);

-- Written in the same transaction as the change it announces; drained by the
-- webhook dispatcher.
CREATE TABLE outbox_events (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id uuid,
    event_type text NOT NULL,
    data       jsonb NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX outbox_events_created_at_idx ON outbox_events (created_at);

CREATE TABLE idempotency_keys (
    scope        text NOT NULL,
    key          text NOT NULL,
    request_hash bytea NOT NULL,
    status       smallint,
    content_type text,
    body         bytea,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
