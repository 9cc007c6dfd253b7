-- vitals schema, version 1.
-- Times are Unix seconds (UTC); offsets are seconds east of UTC.
-- A value that was not measured is NULL, never 0 or -1.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- A profile is a person whose readings the database holds.
CREATE TABLE profiles (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,      -- the handle given to --profile ("me", "p-1042")
    display_name TEXT NOT NULL DEFAULT '',
    uid          TEXT NOT NULL UNIQUE,      -- stable id shared with providers (1upHealth app_user_id)
    height_m     REAL,
    created_at   INTEGER NOT NULL
) STRICT;

-- A source account: a linked Omron or 1upHealth account, or the pseudo
-- accounts that file imports and manual entries belong to.
CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    profile_id      INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    provider        TEXT NOT NULL,              -- omron, oneup, file, manual
    external_id     TEXT NOT NULL DEFAULT '',   -- the provider's user id
    label           TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT 'active',
    last_sync_at    INTEGER,
    last_success_at INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    UNIQUE (profile_id, provider, external_id)
) STRICT;

-- OAuth tokens, when the OS keyring is not used (location = 'db'), or a
-- marker that they are in the keyring (location = 'keyring', secret empty).
CREATE TABLE secrets (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    location   TEXT NOT NULL,
    secret     BLOB NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Systems connected through an aggregator account (1upHealth): devices and
-- health systems.
CREATE TABLE systems (
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    system_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,                 -- device or clinical
    connected_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, system_id)
) STRICT;

-- Where each stream of an account stands; written in the same transaction
-- as the page of readings it follows.
CREATE TABLE cursors (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    stream     TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, stream)
) STRICT;

-- Every reading table starts with the same columns. digest is a hash of
-- everything stored, so an upsert can tell "unchanged" from "updated".
CREATE TABLE bp_readings (
    id            INTEGER PRIMARY KEY,
    profile_id    INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    provider_id   TEXT NOT NULL,
    taken_at      INTEGER NOT NULL,
    utc_offset    INTEGER NOT NULL,
    device        TEXT NOT NULL DEFAULT '',
    origin        TEXT NOT NULL DEFAULT '',
    setting       TEXT NOT NULL DEFAULT '',
    manual        INTEGER NOT NULL DEFAULT 0,
    raw           BLOB,
    digest        INTEGER NOT NULL,
    systolic      REAL,
    diastolic     REAL,
    pulse         REAL,
    possible_afib INTEGER NOT NULL DEFAULT 0,
    irregular     INTEGER NOT NULL DEFAULT 0,
    body_movement INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, provider_id)
) STRICT;
CREATE INDEX bp_readings_profile_time ON bp_readings (profile_id, taken_at);

CREATE TABLE weight_readings (
    id                 INTEGER PRIMARY KEY,
    profile_id         INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    account_id         INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    provider_id        TEXT NOT NULL,
    taken_at           INTEGER NOT NULL,
    utc_offset         INTEGER NOT NULL,
    device             TEXT NOT NULL DEFAULT '',
    origin             TEXT NOT NULL DEFAULT '',
    setting            TEXT NOT NULL DEFAULT '',
    manual             INTEGER NOT NULL DEFAULT 0,
    raw                BLOB,
    digest             INTEGER NOT NULL,
    weight_kg          REAL,
    bmi                REAL,
    body_fat_pct       REAL,
    skeletal_muscle_pct REAL,
    visceral_fat       REAL,
    resting_kcal       REAL,
    UNIQUE (account_id, provider_id)
) STRICT;
CREATE INDEX weight_readings_profile_time ON weight_readings (profile_id, taken_at);

CREATE TABLE activity_readings (
    id            INTEGER PRIMARY KEY,
    profile_id    INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    provider_id   TEXT NOT NULL,
    taken_at      INTEGER NOT NULL,
    utc_offset    INTEGER NOT NULL,
    device        TEXT NOT NULL DEFAULT '',
    origin        TEXT NOT NULL DEFAULT '',
    setting       TEXT NOT NULL DEFAULT '',
    manual        INTEGER NOT NULL DEFAULT 0,
    raw           BLOB,
    digest        INTEGER NOT NULL,
    steps         REAL,
    aerobic_steps REAL,
    calories_kcal REAL,
    distance_m    REAL,
    hourly        TEXT,                -- JSON array of hours, canonical units
    UNIQUE (account_id, provider_id)
) STRICT;
CREATE INDEX activity_readings_profile_time ON activity_readings (profile_id, taken_at);

CREATE TABLE temperature_readings (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL,
    taken_at    INTEGER NOT NULL,
    utc_offset  INTEGER NOT NULL,
    device      TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL DEFAULT '',
    setting     TEXT NOT NULL DEFAULT '',
    manual      INTEGER NOT NULL DEFAULT 0,
    raw         BLOB,
    digest      INTEGER NOT NULL,
    celsius     REAL,
    UNIQUE (account_id, provider_id)
) STRICT;
CREATE INDEX temperature_readings_profile_time ON temperature_readings (profile_id, taken_at);

CREATE TABLE spo2_readings (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL,
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
    UNIQUE (account_id, provider_id)
) STRICT;
CREATE INDEX spo2_readings_profile_time ON spo2_readings (profile_id, taken_at);

CREATE TABLE heartrate_readings (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL,
    taken_at    INTEGER NOT NULL,
    utc_offset  INTEGER NOT NULL,
    device      TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL DEFAULT '',
    setting     TEXT NOT NULL DEFAULT '',
    manual      INTEGER NOT NULL DEFAULT 0,
    raw         BLOB,
    digest      INTEGER NOT NULL,
    bpm         REAL,
    UNIQUE (account_id, provider_id)
) STRICT;
CREATE INDEX heartrate_readings_profile_time ON heartrate_readings (profile_id, taken_at);

CREATE TABLE conditions (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL,
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
    UNIQUE (account_id, provider_id)
) STRICT;
CREATE INDEX conditions_profile_time ON conditions (profile_id, taken_at);
