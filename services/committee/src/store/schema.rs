// Diesel table definitions; they mirror migrations/.

diesel::table! {
    bodies (id) {
        id -> Uuid,
        kind -> Text,
        name -> Text,
        short_name -> Nullable<Text>,
        permanent -> Bool,
        mandate -> Nullable<Text>,
        parent_id -> Nullable<Uuid>,
        status -> Text,
        established_on -> Nullable<Date>,
        dissolved_on -> Nullable<Date>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    management_terms (id) {
        id -> Uuid,
        office_id -> Uuid,
        start_on -> Date,
        end_on -> Date,
        created_at -> Timestamptz,
        created_by -> Text,
    }
}

diesel::table! {
    memberships (id) {
        id -> Uuid,
        body_id -> Uuid,
        person_id -> Nullable<Uuid>,
        organization_id -> Uuid,
        role -> Text,
        start_on -> Date,
        end_on -> Nullable<Date>,
        term_id -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    meetings (id) {
        id -> Uuid,
        body_id -> Uuid,
        title -> Text,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        place -> Text,
        public -> Bool,
        state -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    agenda_items (id) {
        id -> Uuid,
        meeting_id -> Uuid,
        position -> Int4,
        title -> Text,
        public -> Bool,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    bodies,
    management_terms,
    memberships,
    meetings,
    agenda_items
);
