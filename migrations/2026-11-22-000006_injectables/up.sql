-- Injectables: content shipped only to licensed copies of a product (≤ 1 MiB each).

CREATE TABLE injectables (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id   uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    name         text NOT NULL,
    slug         text NOT NULL,
    content_type text NOT NULL,
    encoding     text NOT NULL CHECK (encoding IN ('text', 'base64')),
    content      bytea NOT NULL CHECK (octet_length(content) <= 1048576),
    size_bytes   integer NOT NULL,
    target       text,
    active       boolean NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT injectables_product_id_slug_key UNIQUE (product_id, slug)
);
CREATE INDEX injectables_product_idx ON injectables (product_id, created_at DESC, id DESC);
