-- vitals schema, version 6: enrollment links, so that a patient links an
-- account from their own phone through the pages `vitals serve` hosts.
-- See store/enrollments.go. Nothing here is a secret: links, states and
-- sessions are kept as SHA-256 hashes only.

-- A link sent to a patient: whose it is, for which provider, until when.
CREATE TABLE enrollments (
    id              INTEGER PRIMARY KEY,
    profile_id      INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    provider        TEXT NOT NULL,               -- omron, oneup
    token_hash      TEXT NOT NULL UNIQUE,        -- hex SHA-256 of the link's token
    created_at      INTEGER NOT NULL,            -- Unix seconds
    expires_at      INTEGER NOT NULL,            -- Unix seconds
    created_by      TEXT NOT NULL DEFAULT '',    -- who made it (a user name)
    opened_at       INTEGER,                     -- first opened; NULL: never
    completed_at    INTEGER,                     -- an account was linked; the link is used
    revoked_at      INTEGER,                     -- withdrawn by the clinic
    account_id      INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    session_hash    TEXT NOT NULL DEFAULT '',    -- hex SHA-256 of the browser session that started it
    session_expires INTEGER NOT NULL DEFAULT 0   -- Unix seconds
) STRICT;
CREATE INDEX enrollments_profile ON enrollments (profile_id, id);
CREATE INDEX enrollments_session ON enrollments (session_hash);

-- A trip to the provider's sign-in (Omron) or connect page (1upHealth):
-- the OAuth state that must come back, once.
CREATE TABLE enrollment_attempts (
    id            INTEGER PRIMARY KEY,
    enrollment_id INTEGER NOT NULL REFERENCES enrollments(id) ON DELETE CASCADE,
    state_hash    TEXT NOT NULL UNIQUE,          -- hex SHA-256 of the state
    system_id     TEXT NOT NULL DEFAULT '',      -- 1upHealth: the system being connected
    system_name   TEXT NOT NULL DEFAULT '',
    system_kind   TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER                        -- the redirect came back; never again
) STRICT;
CREATE INDEX enrollment_attempts_enrollment ON enrollment_attempts (enrollment_id, id);

-- The audit trail: what happened to a link, when, from which address.
CREATE TABLE enrollment_events (
    id            INTEGER PRIMARY KEY,
    enrollment_id INTEGER NOT NULL REFERENCES enrollments(id) ON DELETE CASCADE,
    at            INTEGER NOT NULL,              -- Unix seconds
    event         TEXT NOT NULL,                 -- created, opened, started, completed, failed, revoked
    address       TEXT NOT NULL DEFAULT '',      -- the client's address; '' for the command line
    detail        TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX enrollment_events_enrollment ON enrollment_events (enrollment_id, id);
