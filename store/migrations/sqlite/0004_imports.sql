-- vitals schema, version 4: each file import is recorded, and the rows it
-- added name it, so that one import can be taken back out exactly
-- (vitals import --undo) and a person can see what was imported when.

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,              -- the file's name as given ("-" for stdin)
    sha256      TEXT NOT NULL,              -- of the file's bytes
    imported_at INTEGER NOT NULL,
    added       INTEGER NOT NULL DEFAULT 0, -- rows this import added (new measurements and other routes)
    undone_at   INTEGER                     -- when it was taken back out; its rows are gone
) STRICT;
CREATE INDEX imports_profile ON imports (profile_id, imported_at);

ALTER TABLE bp_readings ADD COLUMN import_id INTEGER REFERENCES imports(id);
ALTER TABLE weight_readings ADD COLUMN import_id INTEGER REFERENCES imports(id);
ALTER TABLE activity_readings ADD COLUMN import_id INTEGER REFERENCES imports(id);
ALTER TABLE temperature_readings ADD COLUMN import_id INTEGER REFERENCES imports(id);
ALTER TABLE spo2_readings ADD COLUMN import_id INTEGER REFERENCES imports(id);
ALTER TABLE heartrate_readings ADD COLUMN import_id INTEGER REFERENCES imports(id);
ALTER TABLE conditions ADD COLUMN import_id INTEGER REFERENCES imports(id);
CREATE INDEX bp_readings_import ON bp_readings (import_id) WHERE import_id IS NOT NULL;
CREATE INDEX weight_readings_import ON weight_readings (import_id) WHERE import_id IS NOT NULL;
CREATE INDEX activity_readings_import ON activity_readings (import_id) WHERE import_id IS NOT NULL;
CREATE INDEX temperature_readings_import ON temperature_readings (import_id) WHERE import_id IS NOT NULL;
CREATE INDEX spo2_readings_import ON spo2_readings (import_id) WHERE import_id IS NOT NULL;
CREATE INDEX heartrate_readings_import ON heartrate_readings (import_id) WHERE import_id IS NOT NULL;
CREATE INDEX conditions_import ON conditions (import_id) WHERE import_id IS NOT NULL;
