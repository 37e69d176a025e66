//! The database schema, written by hand for both backends (BigInt ids, UTC `Timestamp`s).
//!
//! Keep in step with `migrations/sqlite` and `migrations/postgres`.

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        token_version -> Integer,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        session_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sections (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        parent_id -> Nullable<BigInt>,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        seo_title -> Nullable<Text>,
        meta_description -> Nullable<Text>,
    }
}

diesel::table! {
    tags (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        seo_title -> Nullable<Text>,
        meta_description -> Nullable<Text>,
    }
}

diesel::table! {
    sources (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        url -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        seo_title -> Nullable<Text>,
        meta_description -> Nullable<Text>,
    }
}

diesel::table! {
    articles (id) {
        id -> BigInt,
        slug -> Text,
        headline -> Text,
        alternative_headline -> Nullable<Text>,
        summary -> Nullable<Text>,
        body -> Text,
        section_id -> BigInt,
        author_id -> Nullable<BigInt>,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        comments_enabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        deleted_at -> Nullable<Timestamp>,
        public_updated_at -> Nullable<Timestamp>,
        byline -> Nullable<Text>,
        seo_title -> Nullable<Text>,
        meta_description -> Nullable<Text>,
        canonical_url -> Nullable<Text>,
        noindex -> Bool,
        social_title -> Nullable<Text>,
        social_description -> Nullable<Text>,
        social_image_url -> Nullable<Text>,
        word_count -> Nullable<Integer>,
        featured_media_id -> Nullable<BigInt>,
        announced -> Bool,
    }
}

diesel::table! {
    media (id) {
        id -> BigInt,
        folder -> Text,
        kind -> Text,
        format -> Text,
        width -> Integer,
        height -> Integer,
        bytes -> BigInt,
        files -> Text,
        alt -> Nullable<Text>,
        decorative -> Bool,
        caption -> Nullable<Text>,
        credit -> Nullable<Text>,
        source_id -> Nullable<BigInt>,
        focal_x -> Double,
        focal_y -> Double,
        uploaded_by -> Nullable<BigInt>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    author_profiles (user_id) {
        user_id -> BigInt,
        slug -> Text,
        bio -> Nullable<Text>,
        avatar_url -> Nullable<Text>,
        job_title -> Nullable<Text>,
        social_links -> Text,
        public -> Bool,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    article_authors (article_id, user_id) {
        article_id -> BigInt,
        user_id -> BigInt,
        position -> Integer,
        listed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> BigInt,
        tag_id -> BigInt,
        position -> Integer,
        listed_at -> Nullable<Timestamp>,
        section_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    article_sources (article_id, source_id) {
        article_id -> BigInt,
        source_id -> BigInt,
        position -> Integer,
        listed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        article_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        depth -> Integer,
        author_name -> Text,
        author_email -> Nullable<Text>,
        body -> Text,
        status -> Text,
        client_hash -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        root_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    article_revisions (id) {
        id -> BigInt,
        article_id -> BigInt,
        number -> Integer,
        user_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        snapshot -> Text,
    }
}

diesel::table! {
    article_slugs (slug) {
        slug -> Text,
        article_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    article_corrections (id) {
        id -> BigInt,
        article_id -> BigInt,
        body -> Text,
        user_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        created_at -> Timestamp,
        user_id -> Nullable<BigInt>,
        action -> Text,
        resource_type -> Text,
        resource_id -> Nullable<Text>,
        details -> Nullable<Text>,
        client_hash -> Nullable<Text>,
    }
}

diesel::table! {
    article_search (article_id) {
        article_id -> BigInt,
        headline_text -> Text,
        body_text -> Text,
    }
}

diesel::table! {
    cache_purges (endpoint) {
        endpoint -> Text,
        last_id -> BigInt,
        leased_by -> Nullable<Text>,
        leased_until -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cache_invalidations (id) {
        id -> BigInt,
        keys -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(articles -> sections (section_id));
diesel::joinable!(article_revisions -> articles (article_id));
diesel::joinable!(article_revisions -> users (user_id));
diesel::joinable!(article_slugs -> articles (article_id));
diesel::joinable!(article_corrections -> articles (article_id));
diesel::joinable!(article_search -> articles (article_id));
diesel::joinable!(articles -> users (author_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(article_sources -> articles (article_id));
diesel::joinable!(article_sources -> sources (source_id));
diesel::joinable!(comments -> articles (article_id));
diesel::joinable!(author_profiles -> users (user_id));
diesel::joinable!(article_authors -> articles (article_id));
diesel::joinable!(article_authors -> author_profiles (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::table! {
    article_media (article_id, media_id) {
        article_id -> BigInt,
        media_id -> BigInt,
    }
}

diesel::joinable!(article_media -> articles (article_id));
diesel::joinable!(article_media -> media (media_id));
diesel::joinable!(media -> sources (source_id));
diesel::joinable!(media -> users (uploaded_by));
diesel::joinable!(refresh_tokens -> sessions (session_id));

diesel::table! {
    site_settings (id) {
        id -> BigInt,
        name -> Text,
        description -> Nullable<Text>,
        base_url -> Text,
        language -> Text,
        time_zone -> Text,
        publisher_name -> Nullable<Text>,
        social_links -> Text,
        navigation -> Text,
        permalink -> Text,
        version -> Integer,
        updated_at -> Timestamp,
        logo_url -> Nullable<Text>,
        social_image_url -> Nullable<Text>,
        logo_media_id -> Nullable<BigInt>,
        social_image_media_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> BigInt,
        url -> Text,
        description -> Nullable<Text>,
        events -> Text,
        active -> Bool,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_expires_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> BigInt,
        public_id -> Text,
        event_type -> Text,
        resource -> Text,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        event_id -> BigInt,
        endpoint_id -> BigInt,
        resource -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        leased_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempt -> Integer,
        at -> Timestamp,
        status -> Nullable<Integer>,
        error -> Nullable<Text>,
        latency_ms -> Integer,
        response_excerpt -> Nullable<Text>,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_events (event_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::table! {
    preview_links (id) {
        id -> BigInt,
        article_id -> BigInt,
        revision_number -> Nullable<Integer>,
        token_hash -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        uses -> BigInt,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    article_documents (article_id) {
        article_id -> BigInt,
        stamp -> BigInt,
        generation -> BigInt,
        fingerprint -> Text,
        detail -> Text,
        detail_keys -> Text,
        summary -> Text,
        summary_keys -> Text,
    }
}

diesel::table! {
    document_generation (id) {
        id -> Integer,
        value -> BigInt,
    }
}

diesel::table! {
    section_ancestors (section_id, ancestor_id) {
        section_id -> BigInt,
        ancestor_id -> BigInt,
    }
}

diesel::table! {
    section_listings (article_id, section_id) {
        article_id -> BigInt,
        section_id -> BigInt,
        listed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    related_windows (scope, owner_id) {
        scope -> Text,
        owner_id -> BigInt,
        valid_until -> Nullable<Timestamp>,
        entries -> Binary,
    }
}

diesel::table! {
    related_window_changes (id) {
        id -> BigInt,
        scope -> Text,
        owner_id -> BigInt,
    }
}

diesel::joinable!(section_listings -> articles (article_id));
diesel::joinable!(article_documents -> articles (article_id));
diesel::joinable!(preview_links -> articles (article_id));
diesel::joinable!(preview_links -> users (created_by));

diesel::allow_tables_to_appear_in_same_query!(
    preview_links,
    webhook_endpoints,
    webhook_events,
    webhook_deliveries,
    webhook_attempts,
    users,
    author_profiles,
    article_authors,
    sections,
    tags,
    sources,
    articles,
    article_tags,
    article_sources,
    comments,
    sessions,
    refresh_tokens,
    article_revisions,
    article_slugs,
    article_corrections,
    audit_log,
    cache_invalidations,
    cache_purges,
    article_search,
    site_settings,
    media,
    article_media,
    article_documents,
    document_generation,
    section_ancestors,
    section_listings,
    related_windows,
    related_window_changes,
);
