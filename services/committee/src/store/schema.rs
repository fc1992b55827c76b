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
        minutes -> Nullable<Text>,
        invitations_sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    agenda_items (id) {
        id -> Uuid,
        meeting_id -> Uuid,
        position -> Int4,
        title -> Text,
        public -> Bool,
        topic_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    meeting_attendance (id) {
        id -> Uuid,
        meeting_id -> Uuid,
        person_id -> Nullable<Uuid>,
        organization_id -> Nullable<Uuid>,
        name -> Nullable<Text>,
        status -> Text,
    }
}

// A view: the directory read copy's people with the committee's publication consent.
diesel::table! {
    committee_people (id) {
        id -> Uuid,
        organization_id -> Uuid,
        given_name -> Text,
        family_name -> Text,
        email -> Nullable<Text>,
        active -> Bool,
        directory_version -> Int4,
        public_consent -> Bool,
        consent_changed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    publication_consents (person_id) {
        person_id -> Uuid,
        public_consent -> Bool,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    topics (id) {
        id -> Uuid,
        origin_body_id -> Uuid,
        state -> Text,
        title -> Text,
        draft_number -> Int4,
        referred_at_draft -> Nullable<Int4>,
        meeting_id -> Nullable<Uuid>,
        agenda_item_id -> Nullable<Uuid>,
        finding_id -> Nullable<Uuid>,
        version -> Int4,
        created_by -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    topic_drafts (topic_id, number) {
        topic_id -> Uuid,
        number -> Int4,
        title -> Text,
        text -> Text,
        created_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    topic_history (id) {
        id -> Int8,
        topic_id -> Uuid,
        action -> Text,
        from_state -> Nullable<Text>,
        to_state -> Text,
        draft_number -> Int4,
        meeting_id -> Nullable<Uuid>,
        reason -> Nullable<Text>,
        actor -> Text,
        at -> Timestamptz,
    }
}

// The generated full-text column `search` is queried with SQL fragments and left out here.
diesel::table! {
    decisions (id) {
        id -> Uuid,
        meeting_id -> Uuid,
        topic_id -> Nullable<Uuid>,
        kind -> Text,
        title -> Text,
        text -> Text,
        decided_on -> Date,
        body_id -> Nullable<Uuid>,
        created_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    oparl_tombstones (kind, id) {
        kind -> Text,
        id -> Uuid,
        created_at -> Timestamptz,
        deleted_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    bodies,
    management_terms,
    memberships,
    meetings,
    agenda_items,
    meeting_attendance,
    committee_people,
    publication_consents,
    topics,
    topic_drafts,
    topic_history,
    decisions,
    oparl_tombstones
);
