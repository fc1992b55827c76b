// Diesel table definitions; they mirror migrations/.

diesel::table! {
    cases (id) {
        id -> Uuid,
        pseudonym -> Uuid,
        responsible_office_id -> Uuid,
        caseworker_id -> Uuid,
        help_kind -> Text,
        phase -> Text,
        personal_data -> Nullable<Bytea>,
        personal_key_id -> Nullable<Text>,
        birth_year -> Nullable<Int4>,
        opened_on -> Date,
        help_started_on -> Nullable<Date>,
        ended_on -> Nullable<Date>,
        closed_on -> Nullable<Date>,
        end_kind -> Nullable<Text>,
        end_reason -> Nullable<Text>,
        transfer_to_office_id -> Nullable<Uuid>,
        transfer_reason -> Nullable<Text>,
        archived_at -> Nullable<Timestamptz>,
        erased_at -> Nullable<Timestamptz>,
        version -> Int4,
        change_seq -> Int8,
        change_xid -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    case_external_ids (office_id, system, external_id) {
        office_id -> Uuid,
        system -> Text,
        external_id -> Text,
        case_id -> Uuid,
    }
}

diesel::table! {
    instruments (key, version) {
        key -> Text,
        version -> Int4,
        title -> Text,
        description -> Text,
        schema -> Jsonb,
        released_at -> Timestamptz,
        released_by -> Text,
    }
}

diesel::table! {
    case_documents (id) {
        id -> Uuid,
        case_id -> Uuid,
        instrument_key -> Text,
        instrument_version -> Int4,
        content -> Nullable<Bytea>,
        content_key_id -> Nullable<Text>,
        created_at -> Timestamptz,
        created_by -> Text,
    }
}

diesel::table! {
    plans (id) {
        id -> Uuid,
        case_id -> Uuid,
        plan_version -> Int4,
        provider_id -> Uuid,
        start_on -> Date,
        hours_per_week -> Nullable<Float4>,
        review_interval_months -> Int4,
        measures -> Jsonb,
        participation -> Jsonb,
        document_id -> Nullable<Uuid>,
        status -> Text,
        decision_reason -> Nullable<Text>,
        decided_at -> Nullable<Timestamptz>,
        agreed_at -> Timestamptz,
    }
}

diesel::table! {
    plan_goals (id) {
        id -> Uuid,
        plan_id -> Uuid,
        position -> Int4,
        description -> Text,
    }
}

diesel::table! {
    reviews (id) {
        id -> Uuid,
        case_id -> Uuid,
        plan_id -> Uuid,
        held_on -> Date,
        #[sql_name = "final"]
        is_final -> Bool,
        progress_report -> Nullable<Text>,
        participation -> Jsonb,
        next_review_on -> Nullable<Date>,
        document_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    goal_ratings (review_id, goal_id) {
        review_id -> Uuid,
        goal_id -> Uuid,
        rating -> Int4,
    }
}

diesel::table! {
    review_schedule (case_id) {
        case_id -> Uuid,
        office_id -> Uuid,
        due_on -> Date,
    }
}

diesel::table! {
    case_steps (id) {
        id -> Int8,
        case_id -> Uuid,
        step -> Text,
        at -> Timestamptz,
        actor_subject -> Text,
        actor_org -> Nullable<Uuid>,
        details -> Jsonb,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        subject -> Text,
        organization_id -> Nullable<Uuid>,
        case_id -> Nullable<Uuid>,
        action -> Text,
        request_id -> Nullable<Text>,
        target -> Nullable<Text>,
        outcome -> Text,
        case_ids -> Nullable<Array<Uuid>>,
    }
}

diesel::joinable!(plan_goals -> plans (plan_id));
diesel::joinable!(goal_ratings -> reviews (review_id));

diesel::allow_tables_to_appear_in_same_query!(
    cases,
    case_external_ids,
    case_documents,
    plans,
    plan_goals,
    reviews,
    goal_ratings,
    review_schedule,
    case_steps,
    audit_log,
);
