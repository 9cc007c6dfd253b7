-- vitals schema, version 2: covering indexes for the per-source summary.
-- SourceStats counts each source's readings and finds its first and last
-- reading (GROUP BY account_id, origin; min and max of taken_at). With
-- these indexes it reads the index alone, in group order, instead of
-- every row and its payload.
CREATE INDEX bp_readings_source          ON bp_readings          (profile_id, account_id, origin, taken_at);
CREATE INDEX weight_readings_source      ON weight_readings      (profile_id, account_id, origin, taken_at);
CREATE INDEX activity_readings_source    ON activity_readings    (profile_id, account_id, origin, taken_at);
CREATE INDEX temperature_readings_source ON temperature_readings (profile_id, account_id, origin, taken_at);
CREATE INDEX spo2_readings_source        ON spo2_readings        (profile_id, account_id, origin, taken_at);
CREATE INDEX heartrate_readings_source   ON heartrate_readings   (profile_id, account_id, origin, taken_at);
CREATE INDEX conditions_source           ON conditions           (profile_id, account_id, origin, taken_at);
