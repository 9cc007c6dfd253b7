-- vitals schema, version 8: each account's readings by time. Storing a page
-- looks up what the account already holds over the page's span
-- (store/upsert.go, stored); the source index puts origin before the time,
-- so that lookup read every reading of the account and a long import
-- slowed as it grew.
CREATE INDEX bp_readings_account_time ON bp_readings (account_id, taken_at);
CREATE INDEX weight_readings_account_time ON weight_readings (account_id, taken_at);
CREATE INDEX activity_readings_account_time ON activity_readings (account_id, taken_at);
CREATE INDEX temperature_readings_account_time ON temperature_readings (account_id, taken_at);
CREATE INDEX spo2_readings_account_time ON spo2_readings (account_id, taken_at);
CREATE INDEX heartrate_readings_account_time ON heartrate_readings (account_id, taken_at);
CREATE INDEX conditions_account_time ON conditions (account_id, taken_at);
