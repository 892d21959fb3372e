-- WordPress sites (each holds a site seat: an activation of its license by domain) and
-- the actions a vendor queues for them.

CREATE TABLE sites (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id     uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    license_id     uuid NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
    domain         text NOT NULL,
    site_url       text NOT NULL,
    site_name      text,
    admin_email    text,
    wp_version     text,
    php_version    text,
    plugin_version text,
    health_data    jsonb,
    token_hash     bytea NOT NULL,
    last_seen_at   timestamptz NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CONSTRAINT sites_license_id_domain_key UNIQUE (license_id, domain),
    CONSTRAINT sites_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX sites_user_idx ON sites (user_id, created_at DESC, id DESC);
CREATE INDEX sites_product_idx ON sites (product_id);

CREATE TABLE site_actions (
    id           uuid PRIMARY KEY,
    site_id      uuid NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    action_type  text NOT NULL CHECK (action_type IN ('deactivate', 'update_plugin', 'message', 'custom')),
    payload      jsonb NOT NULL,
    state        text NOT NULL CHECK (state IN ('pending', 'delivered', 'done')),
    created_at   timestamptz NOT NULL,
    delivered_at timestamptz,
    done_at      timestamptz
);
CREATE INDEX site_actions_site_idx ON site_actions (site_id, state, created_at);
