-- Payments a vendor records for a product, optionally for a license and a customer.
-- Amounts are positive integers in the currency's minor unit, never floats.

CREATE TABLE payments (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- A deleted product takes its payments with it, as it does its licenses.
    product_id   uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    -- Payments are records of money: they outlive a deleted license or customer.
    license_id   uuid REFERENCES licenses (id) ON DELETE SET NULL,
    customer_id  uuid REFERENCES customers (id) ON DELETE SET NULL,
    amount       bigint NOT NULL CHECK (amount > 0),
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status       text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'refunded')),
    provider     text,
    provider_ref text,
    paid_at      timestamptz,
    period_end   timestamptz,
    metadata     jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);

-- A shop's retried notification cannot record the same payment twice: one
-- providerRef per provider (none counts as one provider) per account.
CREATE UNIQUE INDEX payments_provider_ref_key
    ON payments (user_id, coalesce(provider, ''), provider_ref)
    WHERE provider_ref IS NOT NULL;

-- Lists, newest first, by account and by product.
CREATE INDEX payments_user_id_created_at_idx ON payments (user_id, created_at DESC, id DESC);
CREATE INDEX payments_product_id_created_at_idx
    ON payments (product_id, created_at DESC, id DESC);
-- The payment-status check, and the license and customer filters.
CREATE INDEX payments_license_id_status_idx ON payments (license_id, status)
    WHERE license_id IS NOT NULL;
CREATE INDEX payments_customer_id_idx ON payments (customer_id) WHERE customer_id IS NOT NULL;
