-- vitals schema, version 3: one measurement, counted once.
--
-- Every reading table keeps one row per provenance: what one route (a
-- vendor account, a file's source, an Omron CSV export, vitals' own
-- export) delivered. Rows of one profile and kind that are the same
-- measurement (store/identity.go says when) are linked: one row is shown,
-- with measurement NULL, and the others point at it. Every query, count
-- and aggregate reads shown rows only, through the partial index on
-- (profile_id, taken_at).
--
-- New columns:
--   id_scope    where provider_id is unique within the account: '' for a
--               vendor account; for files, a FHIR source, a bundle's
--               identity or the file's hash; 'omron-csv' and 'vitals-csv'
--               for the content-derived ids of those CSV files.
--   variant     0, or 1, 2, ... for different readings a file delivered
--               under one key, kept beside the first instead of over it.
--   measurement NULL on a shown row; else the id of the shown row of the
--               measurement this row is another provenance of.
--   filled      on a shown row, a bit per kind column (in the order of
--               store/tables.go) whose value was taken from another
--               provenance because this row lacked it; its own value is
--               NULL (or false, for a flag).
--
-- SQLite cannot change a table's UNIQUE constraint, so each table is
-- rebuilt. Rows keep their ids. Omron CSV rows (their provider ids start
-- with omron-csv:) get their scope; other file rows keep '' (their files'
-- identity is not known). The Go step of this migration then links the
-- existing rows that are one measurement (store/migrate.go).

CREATE TABLE bp_readings_v3 (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id_scope    TEXT NOT NULL DEFAULT '',
    provider_id TEXT NOT NULL,
    variant     INTEGER NOT NULL DEFAULT 0,
    measurement INTEGER,
    filled      INTEGER NOT NULL DEFAULT 0,
    taken_at    INTEGER NOT NULL,
    utc_offset  INTEGER NOT NULL,
    device      TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL DEFAULT '',
    setting     TEXT NOT NULL DEFAULT '',
    manual      INTEGER NOT NULL DEFAULT 0,
    raw         BLOB,
    digest      INTEGER NOT NULL,
    systolic      REAL,
    diastolic     REAL,
    pulse         REAL,
    possible_afib INTEGER NOT NULL DEFAULT 0,
    irregular     INTEGER NOT NULL DEFAULT 0,
    body_movement INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, id_scope, provider_id, variant)
) STRICT;
INSERT INTO bp_readings_v3 (id, profile_id, account_id, provider_id, taken_at, utc_offset, device, origin, setting, manual, raw, digest, systolic, diastolic, pulse, possible_afib, irregular, body_movement, id_scope)
SELECT id, profile_id, account_id, provider_id, taken_at, utc_offset, device, origin, setting, manual, raw, digest, systolic, diastolic, pulse, possible_afib, irregular, body_movement,
       CASE WHEN provider_id LIKE 'omron-csv:%' AND origin = 'Omron Connect CSV' THEN 'omron-csv' ELSE '' END
FROM bp_readings;
DROP TABLE bp_readings;
ALTER TABLE bp_readings_v3 RENAME TO bp_readings;
CREATE INDEX bp_readings_profile_time ON bp_readings (profile_id, taken_at) WHERE measurement IS NULL;
CREATE INDEX bp_readings_measurement  ON bp_readings (measurement) WHERE measurement IS NOT NULL;
CREATE INDEX bp_readings_source       ON bp_readings (profile_id, account_id, origin, taken_at);

CREATE TABLE weight_readings_v3 (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id_scope    TEXT NOT NULL DEFAULT '',
    provider_id TEXT NOT NULL,
    variant     INTEGER NOT NULL DEFAULT 0,
    measurement INTEGER,
    filled      INTEGER NOT NULL DEFAULT 0,
    taken_at    INTEGER NOT NULL,
    utc_offset  INTEGER NOT NULL,
    device      TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL DEFAULT '',
    setting     TEXT NOT NULL DEFAULT '',
    manual      INTEGER NOT NULL DEFAULT 0,
    raw         BLOB,
    digest      INTEGER NOT NULL,
    weight_kg           REAL,
    bmi                 REAL,
    body_fat_pct        REAL,
    skeletal_muscle_pct REAL,
    visceral_fat        REAL,
    resting_kcal        REAL,
    UNIQUE (account_id, id_scope, provider_id, variant)
) STRICT;
INSERT INTO weight_readings_v3 (id, profile_id, account_id, provider_id, taken_at, utc_offset, device, origin, setting, manual, raw, digest, weight_kg, bmi, body_fat_pct, skeletal_muscle_pct, visceral_fat, resting_kcal, id_scope)
SELECT id, profile_id, account_id, provider_id, taken_at, utc_offset, device, origin, setting, manual, raw, digest, weight_kg, bmi, body_fat_pct, skeletal_muscle_pct, visceral_fat, resting_kcal,
       CASE WHEN provider_id LIKE 'omron-csv:%' AND origin = 'Omron Connect CSV' THEN 'omron-csv' ELSE '' END
FROM weight_readings;
DROP TABLE weight_readings;
ALTER TABLE weight_readings_v3 RENAME TO weight_readings;
CREATE INDEX weight_readings_profile_time ON weight_readings (profile_id, taken_at) WHERE measurement IS NULL;
CREATE INDEX weight_readings_measurement  ON weight_readings (measurement) WHERE measurement IS NOT NULL;
CREATE INDEX weight_readings_source       ON weight_readings (profile_id, account_id, origin, taken_at);

CREATE TABLE activity_readings_v3 (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id_scope    TEXT NOT NULL DEFAULT '',
    provider_id TEXT NOT NULL,
    variant     INTEGER NOT NULL DEFAULT 0,
    measurement INTEGER,
    filled      INTEGER NOT NULL DEFAULT 0,
    taken_at    INTEGER NOT NULL,
    utc_offset  INTEGER NOT NULL,
    device      TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL DEFAULT '',
    setting     TEXT NOT NULL DEFAULT '',
    manual      INTEGER NOT NULL DEFAULT 0,
    raw         BLOB,
    digest      INTEGER NOT NULL,
    steps         REAL,
    aerobic_steps REAL,
    calories_kcal REAL,
    distance_m    REAL,
    hourly        TEXT,                -- JSON array of hours, canonical units
    UNIQUE (account_id, id_scope, provider_id, variant)
) STRICT;
INSERT INTO activity_readings_v3 (id, profile_id, account_id, provider_id, taken_at, utc_offset, device, origin, setting, manual, raw, digest, steps, aerobic_steps, calories_kcal, distance_m, hourly, id_scope)
SELECT id, profile_id, account_id, provider_id, taken_at, utc_offset, device, origin, setting, manual, raw, digest, steps, aerobic_steps, calories_kcal, distance_m, hourly,
       CASE WHEN provider_id LIKE 'omron-csv:%' AND origin = 'Omron Connect CSV' THEN 'omron-csv' ELSE '' END
FROM activity_readings;
DROP TABLE activity_readings;
ALTER TABLE activity_readings_v3 RENAME TO activity_readings;
CREATE INDEX activity_readings_profile_time ON activity_readings (profile_id, taken_at) WHERE measurement IS NULL;
CREATE INDEX activity_readings_measurement  ON activity_readings (measurement) WHERE measurement IS NOT NULL;
CREATE INDEX activity_readings_source       ON activity_readings (profile_id, account_id, origin, taken_at);

CREATE TABLE temperature_readings_v3 (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id_scope    TEXT NOT NULL DEFAULT '',
    provider_id TEXT NOT NULL,
    variant     INTEGER NOT NULL DEFAULT 0,
    measurement INTEGER,
    filled      INTEGER NOT NULL DEFAULT 0,
    taken_at    INTEGER NOT NULL,
    utc_offset  INTEGER NOT NULL,
    device      TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL DEFAULT '',
    setting     TEXT NOT NULL DEFAULT '',
    manual      INTEGER NOT NULL DEFAULT 0,
    raw         BLOB,
    digest      INTEGER NOT NULL,
    celsius     REAL,
    UNIQUE (account_id, id_scope, provider_id, variant)
) STRICT;
INSERT INTO temperature_readings_v3 (id, profile_id, account_id, provider_id, taken_at, utc_offset, device, origin, setting, manual, raw, digest, celsius, id_scope)
SELECT id, profile_id, account_id, provider_id, taken_at, utc_offset, device, origin, setting, manual, raw, digest, celsius,
       CASE WHEN provider_id LIKE 'omron-csv:%' AND origin = 'Omron Connect CSV' THEN 'omron-csv' ELSE '' END
FROM temperature_readings;
DROP TABLE temperature_readings;
ALTER TABLE temperature_readings_v3 RENAME TO temperature_readings;
CREATE INDEX temperature_readings_profile_time ON temperature_readings (profile_id, taken_at) WHERE measurement IS NULL;
CREATE INDEX temperature_readings_measurement  ON temperature_readings (measurement) WHERE measurement IS NOT NULL;
CREATE INDEX temperature_readings_source       ON temperature_readings (profile_id, account_id, origin, taken_at);

CREATE TABLE spo2_readings_v3 (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id_scope    TEXT NOT NULL DEFAULT '',
    provider_id TEXT NOT NULL,
    variant     INTEGER NOT NULL DEFAULT 0,
    measurement INTEGER,
    filled      INTEGER NOT NULL DEFAULT 0,
    taken_at    INTEGER NOT NULL,
    utc_offset  INTEGER NOT NULL,
    device      TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL DEFAULT '',
    setting     TEXT NOT NULL DEFAULT '',
    manual      INTEGER NOT NULL DEFAULT 0,
    raw         BLOB,
    digest      INTEGER NOT NULL,
    percent     REAL,
    pulse       REAL,
    UNIQUE (account_id, id_scope, provider_id, variant)
) STRICT;
INSERT INTO spo2_readings_v3 (id, profile_id, account_id, provider_id, taken_at, utc_offset, device, origin, setting, manual, raw, digest, percent, pulse, id_scope)
SELECT id, profile_id, account_id, provider_id, taken_at, utc_offset, device, origin, setting, manual, raw, digest, percent, pulse,
       CASE WHEN provider_id LIKE 'omron-csv:%' AND origin = 'Omron Connect CSV' THEN 'omron-csv' ELSE '' END
FROM spo2_readings;
DROP TABLE spo2_readings;
ALTER TABLE spo2_readings_v3 RENAME TO spo2_readings;
CREATE INDEX spo2_readings_profile_time ON spo2_readings (profile_id, taken_at) WHERE measurement IS NULL;
CREATE INDEX spo2_readings_measurement  ON spo2_readings (measurement) WHERE measurement IS NOT NULL;
CREATE INDEX spo2_readings_source       ON spo2_readings (profile_id, account_id, origin, taken_at);

CREATE TABLE heartrate_readings_v3 (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id_scope    TEXT NOT NULL DEFAULT '',
    provider_id TEXT NOT NULL,
    variant     INTEGER NOT NULL DEFAULT 0,
    measurement INTEGER,
    filled      INTEGER NOT NULL DEFAULT 0,
    taken_at    INTEGER NOT NULL,
    utc_offset  INTEGER NOT NULL,
    device      TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL DEFAULT '',
    setting     TEXT NOT NULL DEFAULT '',
    manual      INTEGER NOT NULL DEFAULT 0,
    raw         BLOB,
    digest      INTEGER NOT NULL,
    bpm         REAL,
    UNIQUE (account_id, id_scope, provider_id, variant)
) STRICT;
INSERT INTO heartrate_readings_v3 (id, profile_id, account_id, provider_id, taken_at, utc_offset, device, origin, setting, manual, raw, digest, bpm, id_scope)
SELECT id, profile_id, account_id, provider_id, taken_at, utc_offset, device, origin, setting, manual, raw, digest, bpm,
       CASE WHEN provider_id LIKE 'omron-csv:%' AND origin = 'Omron Connect CSV' THEN 'omron-csv' ELSE '' END
FROM heartrate_readings;
DROP TABLE heartrate_readings;
ALTER TABLE heartrate_readings_v3 RENAME TO heartrate_readings;
CREATE INDEX heartrate_readings_profile_time ON heartrate_readings (profile_id, taken_at) WHERE measurement IS NULL;
CREATE INDEX heartrate_readings_measurement  ON heartrate_readings (measurement) WHERE measurement IS NOT NULL;
CREATE INDEX heartrate_readings_source       ON heartrate_readings (profile_id, account_id, origin, taken_at);

CREATE TABLE conditions_v3 (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id_scope    TEXT NOT NULL DEFAULT '',
    provider_id TEXT NOT NULL,
    variant     INTEGER NOT NULL DEFAULT 0,
    measurement INTEGER,
    filled      INTEGER NOT NULL DEFAULT 0,
    taken_at    INTEGER NOT NULL,
    utc_offset  INTEGER NOT NULL,
    device      TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL DEFAULT '',
    setting     TEXT NOT NULL DEFAULT '',
    manual      INTEGER NOT NULL DEFAULT 0,
    raw         BLOB,
    digest      INTEGER NOT NULL,
    code_system TEXT NOT NULL,
    code        TEXT NOT NULL,
    display     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT '',
    UNIQUE (account_id, id_scope, provider_id, variant)
) STRICT;
INSERT INTO conditions_v3 (id, profile_id, account_id, provider_id, taken_at, utc_offset, device, origin, setting, manual, raw, digest, code_system, code, display, status, id_scope)
SELECT id, profile_id, account_id, provider_id, taken_at, utc_offset, device, origin, setting, manual, raw, digest, code_system, code, display, status,
       CASE WHEN provider_id LIKE 'omron-csv:%' AND origin = 'Omron Connect CSV' THEN 'omron-csv' ELSE '' END
FROM conditions;
DROP TABLE conditions;
ALTER TABLE conditions_v3 RENAME TO conditions;
CREATE INDEX conditions_profile_time ON conditions (profile_id, taken_at) WHERE measurement IS NULL;
CREATE INDEX conditions_measurement  ON conditions (measurement) WHERE measurement IS NOT NULL;
CREATE INDEX conditions_source       ON conditions (profile_id, account_id, origin, taken_at);
