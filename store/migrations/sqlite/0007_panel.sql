-- vitals schema, version 7: the clinician's panel.
--
-- daily_summaries: per profile, local calendar day and source account,
-- what the shown readings of that day add up to. Every write of readings
-- (a sync page, an import page, an entry, an undo, a route or account
-- removed) recomputes the days it touched in its own transaction
-- (store/summaries.go), so the panel reads a month of summaries whatever
-- the length of the history. The Go step of this migration builds them for
-- the readings already held. Conditions are not readings and are left out.
--   day        the reading's wall-clock date, as days since 1970-01-01
--   readings   shown readings of every kind but conditions
--   bp         blood-pressure readings among them
--   afib, irregular  readings with that rhythm flag
--   blanked    blood-pressure readings without both pressures
--   severe     blood-pressure readings above 180 and/or 120
--   first_at, last_at  the day's first and last instant (Unix seconds)
CREATE TABLE daily_summaries (
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    day        INTEGER NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    readings   INTEGER NOT NULL DEFAULT 0,
    bp         INTEGER NOT NULL DEFAULT 0,
    afib       INTEGER NOT NULL DEFAULT 0,
    irregular  INTEGER NOT NULL DEFAULT 0,
    blanked    INTEGER NOT NULL DEFAULT 0,
    severe     INTEGER NOT NULL DEFAULT 0,
    first_at   INTEGER NOT NULL,
    last_at    INTEGER NOT NULL,
    PRIMARY KEY (profile_id, day, account_id)
) STRICT;
-- The panel reads a period of every profile: a covering index, so that
-- the days asked for are read together, wherever the rows are kept.
CREATE INDEX daily_summaries_day ON daily_summaries (day, profile_id, account_id, readings, bp, afib, irregular, blanked, severe, first_at, last_at);
CREATE INDEX daily_summaries_account ON daily_summaries (account_id, day, last_at);

-- A clinician's acknowledgement of an alert: a blood-pressure reading above
-- 180/120 or with a rhythm flag (its alert id is "bp-" and the reading's
-- id). It is history: it stays when the reading goes, and a reading may be
-- acknowledged more than once.
--   reading_id  the reading acknowledged (bp_readings.id); no foreign key,
--               so the record outlives an undone import
--   taken_at, utc_offset, systolic, diastolic, possible_afib, irregular
--               the reading as it was acknowledged
--   acked_by    who (the OS user or --by), acked_at when, note what was done
CREATE TABLE acknowledgements (
    id            INTEGER PRIMARY KEY,
    profile_id    INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    reading_id    INTEGER NOT NULL,
    taken_at      INTEGER NOT NULL,
    utc_offset    INTEGER NOT NULL,
    systolic      REAL,
    diastolic     REAL,
    possible_afib INTEGER NOT NULL DEFAULT 0,
    irregular     INTEGER NOT NULL DEFAULT 0,
    acked_by      TEXT NOT NULL,
    acked_at      INTEGER NOT NULL,
    note          TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX acknowledgements_profile ON acknowledgements (profile_id, taken_at);
