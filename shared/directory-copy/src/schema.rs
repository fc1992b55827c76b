// Diesel table definitions; they mirror migrations/.

diesel::table! {
    directory_organizations (id) {
        id -> Uuid,
        name -> Text,
        kind -> Text,
        district -> Nullable<Text>,
        active -> Bool,
        version -> Int4,
        synced_at -> Timestamptz,
    }
}

diesel::table! {
    directory_agreements (id) {
        id -> Uuid,
        organization_id -> Uuid,
        kind -> Text,
        signed_on -> Date,
        terminated_on -> Nullable<Date>,
        synced_at -> Timestamptz,
    }
}

diesel::table! {
    directory_people (id) {
        id -> Uuid,
        organization_id -> Uuid,
        given_name -> Nullable<Text>,
        family_name -> Nullable<Text>,
        email -> Nullable<Text>,
        functions -> Array<Text>,
        active -> Bool,
        active_until -> Nullable<Date>,
        version -> Int4,
        created_at -> Timestamptz,
        synced_at -> Timestamptz,
    }
}
