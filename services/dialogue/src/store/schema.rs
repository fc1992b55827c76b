// Diesel table definitions; they mirror migrations/.

diesel::table! {
    cycles (id) {
        id -> Uuid,
        start_year -> Int4,
        years -> Int4,
        start_on -> Date,
        end_on -> Date,
        state -> Text,
        rules -> Jsonb,
        rules_version -> Int4,
        opened_by -> Text,
        closed_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    cycle_rules (cycle_id, rules_version) {
        cycle_id -> Uuid,
        rules_version -> Int4,
        rules -> Jsonb,
        changed_by -> Text,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    hosts (id) {
        id -> Uuid,
        cycle_id -> Uuid,
        organization_id -> Uuid,
        state -> Text,
        joined_at -> Timestamptz,
        withdrawn_at -> Nullable<Timestamptz>,
        withdrawn_reason -> Nullable<Text>,
        room_capacity -> Nullable<Int4>,
        preferred_months -> Array<Int4>,
        report_ready_on -> Nullable<Date>,
        version -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    host_representatives (host_id, person_id) {
        host_id -> Uuid,
        person_id -> Uuid,
    }
}

diesel::table! {
    proposed_dates (host_id, day) {
        host_id -> Uuid,
        day -> Date,
    }
}

diesel::table! {
    absences (id) {
        id -> Uuid,
        person_id -> Uuid,
        organization_id -> Uuid,
        start_on -> Nullable<Date>,
        end_on -> Nullable<Date>,
        weekday -> Nullable<Int2>,
        note -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    school_holidays (school_year, start_on) {
        school_year -> Text,
        name -> Text,
        start_on -> Date,
        end_on -> Date,
        imported_by -> Text,
        imported_at -> Timestamptz,
    }
}

diesel::table! {
    forum_meetings (meeting_id) {
        meeting_id -> Uuid,
        day -> Date,
        title -> Text,
        cancelled -> Bool,
        synced_at -> Timestamptz,
    }
}

diesel::table! {
    dialogues (id) {
        id -> Uuid,
        cycle_id -> Uuid,
        host_id -> Uuid,
        state -> Text,
        day -> Nullable<Date>,
        starts_at -> Nullable<Timestamptz>,
        ends_at -> Nullable<Timestamptz>,
        place -> Nullable<Text>,
        flagged -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        invitations_sent_at -> Nullable<Timestamptz>,
        held_at -> Nullable<Timestamptz>,
        minutes -> Nullable<Text>,
        documented_at -> Nullable<Timestamptz>,
        evaluated_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    dialogue_attendance (dialogue_id, person_id) {
        dialogue_id -> Uuid,
        person_id -> Uuid,
        organization_id -> Uuid,
        role -> Text,
        present -> Bool,
    }
}

diesel::table! {
    findings (id) {
        id -> Uuid,
        dialogue_id -> Uuid,
        kind -> Text,
        title -> Text,
        summary -> Text,
        owner_organization_id -> Nullable<Uuid>,
        due_on -> Nullable<Date>,
        measure_state -> Nullable<Text>,
        measure_reason -> Nullable<Text>,
        measure_changed_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    quality_reports (dialogue_id) {
        dialogue_id -> Uuid,
        template_version -> Int4,
        content -> Jsonb,
        state -> Text,
        submitted_at -> Nullable<Timestamptz>,
        version -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    report_reads (id) {
        id -> Int8,
        dialogue_id -> Uuid,
        reader -> Text,
        organization_id -> Nullable<Uuid>,
        at -> Timestamptz,
    }
}

diesel::table! {
    evaluations (dialogue_id, person_id) {
        dialogue_id -> Uuid,
        person_id -> Uuid,
        ratings -> Jsonb,
        comment -> Nullable<Text>,
        submitted_at -> Timestamptz,
    }
}

diesel::table! {
    dialogue_guests (dialogue_id, person_id) {
        dialogue_id -> Uuid,
        person_id -> Uuid,
        organization_id -> Uuid,
        response -> Text,
        added_at -> Timestamptz,
        responded_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    feeds (id) {
        id -> Uuid,
        token_sha256 -> Text,
        person_id -> Nullable<Uuid>,
        organization_id -> Nullable<Uuid>,
        created_by -> Text,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    dialogue_history (id) {
        id -> Uuid,
        dialogue_id -> Uuid,
        action -> Text,
        from_state -> Text,
        to_state -> Text,
        day_before -> Nullable<Date>,
        day_after -> Nullable<Date>,
        reason -> Nullable<Text>,
        actor -> Text,
        at -> Timestamptz,
    }
}

diesel::joinable!(cycle_rules -> cycles (cycle_id));
diesel::joinable!(hosts -> cycles (cycle_id));
diesel::joinable!(host_representatives -> hosts (host_id));
diesel::joinable!(proposed_dates -> hosts (host_id));
diesel::joinable!(dialogues -> hosts (host_id));
diesel::joinable!(dialogue_guests -> dialogues (dialogue_id));
diesel::joinable!(dialogue_history -> dialogues (dialogue_id));

diesel::allow_tables_to_appear_in_same_query!(
    cycles,
    cycle_rules,
    hosts,
    host_representatives,
    proposed_dates,
    absences,
    school_holidays,
    forum_meetings,
    dialogues,
    dialogue_guests,
    dialogue_history,
    feeds,
    dialogue_attendance,
    findings,
    evaluations,
    quality_reports,
    report_reads,
);
