DROP TABLE engagement_completions, engagement_courses, engagement_measures, engagement_guests,
    engagement_dialogues, engagement_cycles, engagement_attendance, engagement_meetings,
    engagement_seats, engagement_events;
