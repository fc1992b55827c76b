// Diesel table definitions; they mirror migrations/.

diesel::table! {
    organizations (id) {
        id -> Uuid,
        name -> Text,
        kind -> Text,
        district -> Nullable<Text>,
        umbrella_carrier -> Nullable<Text>,
        street -> Text,
        postal_code -> Text,
        city -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        external_ids -> Jsonb,
        active -> Bool,
        deactivated_at -> Nullable<Timestamptz>,
        version -> Int4,
        change_seq -> Int8,
        change_xid -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    people (id) {
        id -> Uuid,
        organization_id -> Uuid,
        given_name -> Text,
        family_name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        functions -> Array<Text>,
        active_from -> Date,
        active_until -> Nullable<Date>,
        version -> Int4,
        change_seq -> Int8,
        change_xid -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    agreements (id) {
        id -> Uuid,
        organization_id -> Uuid,
        kind -> Text,
        signed_on -> Date,
        signed_by -> Text,
        terminated_on -> Nullable<Date>,
        termination_reason -> Nullable<Text>,
        version -> Int4,
        change_seq -> Int8,
        change_xid -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    leadership_confirmations (id) {
        id -> Uuid,
        organization_id -> Uuid,
        leader_id -> Uuid,
        confirmed_on -> Date,
        statement -> Nullable<Text>,
        version -> Int4,
        change_seq -> Int8,
        change_xid -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(people -> organizations (organization_id));
diesel::joinable!(agreements -> organizations (organization_id));
diesel::joinable!(leadership_confirmations -> organizations (organization_id));
diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    people,
    agreements,
    leadership_confirmations
);
