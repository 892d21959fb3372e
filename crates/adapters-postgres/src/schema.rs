// @generated automatically by Diesel CLI.

diesel::table! {
    activations (id) {
        id -> Uuid,
        license_id -> Uuid,
        fingerprint -> Nullable<Text>,
        domain -> Nullable<Text>,
        name -> Nullable<Text>,
        platform -> Nullable<Text>,
        ip_address -> Nullable<Text>,
        metadata -> Jsonb,
        last_heartbeat_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Uuid,
        user_id -> Uuid,
        name -> Text,
        prefix -> Text,
        last_four -> Text,
        secret_hash -> Bytea,
        previous_secret_hash -> Nullable<Bytea>,
        previous_valid_until -> Nullable<Timestamptz>,
        scopes -> Array<Nullable<Text>>,
        product_id -> Nullable<Uuid>,
        expires_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    customers (id) {
        id -> Uuid,
        user_id -> Uuid,
        email -> Text,
        name -> Text,
        company -> Nullable<Text>,
        external_id -> Nullable<Text>,
        metadata -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        request_hash -> Bytea,
        status -> Nullable<Int2>,
        content_type -> Nullable<Text>,
        body -> Nullable<Bytea>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    injectables (id) {
        id -> Uuid,
        user_id -> Uuid,
        product_id -> Uuid,
        name -> Text,
        slug -> Text,
        content_type -> Text,
        encoding -> Text,
        content -> Bytea,
        size_bytes -> Int4,
        target -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    license_domains (license_id, domain) {
        license_id -> Uuid,
        domain -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    license_last_validations (license_id) {
        license_id -> Uuid,
        validated_at -> Timestamptz,
    }
}

diesel::table! {
    license_validation_days (license_id, day) {
        license_id -> Uuid,
        day -> Date,
        count -> Int8,
    }
}

diesel::table! {
    licenses (id) {
        id -> Uuid,
        user_id -> Uuid,
        product_id -> Uuid,
        customer_id -> Nullable<Uuid>,
        key -> Text,
        key_lookup -> Text,
        plan -> Nullable<Text>,
        status -> Text,
        issued_to -> Nullable<Text>,
        issued_email -> Nullable<Text>,
        features -> Array<Nullable<Text>>,
        max_activations -> Nullable<Int4>,
        activation_count -> Int4,
        expires_at -> Nullable<Timestamptz>,
        last_validated_at -> Nullable<Timestamptz>,
        metadata -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        heartbeat_interval_seconds -> Nullable<Int4>,
    }
}

diesel::table! {
    outbox_events (id) {
        id -> Uuid,
        user_id -> Uuid,
        product_id -> Nullable<Uuid>,
        event_type -> Text,
        data -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    payments (id) {
        id -> Uuid,
        user_id -> Uuid,
        product_id -> Uuid,
        license_id -> Nullable<Uuid>,
        customer_id -> Nullable<Uuid>,
        amount -> Int8,
        currency -> Text,
        status -> Text,
        provider -> Nullable<Text>,
        provider_ref -> Nullable<Text>,
        paid_at -> Nullable<Timestamptz>,
        period_end -> Nullable<Timestamptz>,
        metadata -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    product_domains (product_id, domain) {
        product_id -> Uuid,
        domain -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    product_validation_days (product_id, day) {
        product_id -> Uuid,
        day -> Date,
        count -> Int8,
    }
}

diesel::table! {
    products (id) {
        id -> Uuid,
        user_id -> Uuid,
        name -> Text,
        slug -> Text,
        description -> Nullable<Text>,
        key_prefix -> Text,
        plans -> Jsonb,
        metadata -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        public_key -> Bytea,
        sealed_private_key -> Bytea,
        active -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    site_actions (id) {
        id -> Uuid,
        site_id -> Uuid,
        action_type -> Text,
        payload -> Jsonb,
        state -> Text,
        created_at -> Timestamptz,
        delivered_at -> Nullable<Timestamptz>,
        done_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sites (id) {
        id -> Uuid,
        user_id -> Uuid,
        product_id -> Uuid,
        license_id -> Uuid,
        domain -> Text,
        site_url -> Text,
        site_name -> Nullable<Text>,
        admin_email -> Nullable<Text>,
        wp_version -> Nullable<Text>,
        php_version -> Nullable<Text>,
        plugin_version -> Nullable<Text>,
        health_data -> Nullable<Jsonb>,
        token_hash -> Bytea,
        last_seen_at -> Timestamptz,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        tier -> Text,
        role -> Text,
        disabled_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_attempts (delivery_id, number) {
        delivery_id -> Uuid,
        number -> Int4,
        status_code -> Nullable<Int4>,
        latency_ms -> Int4,
        error -> Nullable<Text>,
        attempted_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        endpoint_id -> Uuid,
        event_id -> Uuid,
        state -> Text,
        attempt_count -> Int4,
        next_attempt_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Uuid,
        user_id -> Uuid,
        product_id -> Nullable<Uuid>,
        url -> Text,
        events -> Array<Nullable<Text>>,
        description -> Nullable<Text>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamptz>,
        secret_sealed -> Bytea,
        previous_secret_sealed -> Nullable<Bytea>,
        secret_rotated_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(activations -> licenses (license_id));
diesel::joinable!(api_keys -> products (product_id));
diesel::joinable!(api_keys -> users (user_id));
diesel::joinable!(customers -> users (user_id));
diesel::joinable!(injectables -> products (product_id));
diesel::joinable!(injectables -> users (user_id));
diesel::joinable!(license_domains -> licenses (license_id));
diesel::joinable!(license_last_validations -> licenses (license_id));
diesel::joinable!(license_validation_days -> licenses (license_id));
diesel::joinable!(licenses -> customers (customer_id));
diesel::joinable!(licenses -> products (product_id));
diesel::joinable!(licenses -> users (user_id));
diesel::joinable!(outbox_events -> users (user_id));
diesel::joinable!(payments -> customers (customer_id));
diesel::joinable!(payments -> licenses (license_id));
diesel::joinable!(payments -> products (product_id));
diesel::joinable!(payments -> users (user_id));
diesel::joinable!(product_domains -> products (product_id));
diesel::joinable!(product_validation_days -> products (product_id));
diesel::joinable!(products -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(site_actions -> sites (site_id));
diesel::joinable!(sites -> licenses (license_id));
diesel::joinable!(sites -> products (product_id));
diesel::joinable!(sites -> users (user_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(webhook_deliveries -> outbox_events (event_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_endpoints -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    activations,
    api_keys,
    customers,
    idempotency_keys,
    injectables,
    license_domains,
    license_last_validations,
    license_validation_days,
    licenses,
    outbox_events,
    payments,
    product_domains,
    product_validation_days,
    products,
    sessions,
    signing_keys,
    site_actions,
    sites,
    users,
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoints,
);
