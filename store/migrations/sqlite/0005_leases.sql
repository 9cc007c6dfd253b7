-- vitals schema, version 5: leases and sync requests, so that several
-- `vitals serve` hubs can share one database (a clinic's, on PostgreSQL;
-- SQLite has the same tables, so the store has one API). See store/leases.go.

-- Which hub syncs an account, until when. A released lease keeps its row
-- (holder '') so that its count of takeovers stays.
CREATE TABLE leases (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    holder      TEXT NOT NULL DEFAULT '',    -- the hub holding it; '' when released
    expires_at  INTEGER NOT NULL DEFAULT 0,  -- Unix milliseconds
    acquired_at INTEGER NOT NULL DEFAULT 0,  -- Unix milliseconds: when the holder took it
    taken_from  TEXT NOT NULL DEFAULT '',    -- the hub whose run-out lease the holder took over; '' otherwise
    takeovers   INTEGER NOT NULL DEFAULT 0   -- times a hub took it from another whose lease had run out
) STRICT;
CREATE INDEX leases_holder ON leases (holder);

-- A sync a hub was asked for (a notification, a person's request) that
-- the account's lease holder, perhaps another hub, is to run. The holder
-- takes its accounts' requests out as it runs them.
CREATE TABLE sync_requests (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    reason       TEXT NOT NULL,             -- notification, manual, linked
    streams      TEXT NOT NULL DEFAULT '',  -- JSON array of the streams named; '' for every stream
    rewind_from  INTEGER,                   -- Unix seconds: data changed from then on; NULL: not said
    requested_at INTEGER NOT NULL,          -- Unix milliseconds
    requested_by TEXT NOT NULL DEFAULT ''   -- the hub that received it
) STRICT;
CREATE INDEX sync_requests_account ON sync_requests (account_id, id);
