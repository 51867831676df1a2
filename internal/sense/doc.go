// Package sense owns the city's vital signs (城市体征): it takes sensor
// readings in (HTTP line protocol or JSON batches, MQTT), checks each one
// against the sensor registry, stores it in the in-memory time-series store,
// evaluates the alarm rules and hands alarms to the alarm manager, which
// opens one case per alarm through the case workflow.
//
// Sub-packages: registry (sensor points and their CSV import), lineproto
// (InfluxDB line protocol parser), tsdb (Gorilla-compressed series with
// rollups), rules (alarm rules as YAML data and their evaluation), alarm
// (alarm lifecycle and cases), mqttin (MQTT subscription).
//
// The alarm rules are data: GET and PUT /rules read and replace them
// (validated against the registry; every problem listed), kept as the
// versioned store document RulesDocument so that a restarted node and
// every node over the same database use them. A swap happens between two
// batches, never within one; rules that did not change keep their
// evaluation state and open alarms (see rules.Engine.Adopt).
//
// The vital-sign indices are data too: composite indicators per area
// (waterlogging risk, congestion …) defined by a validated document (see
// ParseIndices), read and replaced by GET and PUT /indices and kept as
// IndicesDocument. ComputeIndices evaluates every index in every area of
// it from the latest readings of the area's sensors; Run calls it every
// tick (or IndexEvery). The last computation is kept with its time and
// served by GET /indices/values and, as each new one is made, by the
// server-sent events of GET /indices/stream.
//
// Restarts. With Options.DataDir a node keeps what it holds in files under
// that directory (next to its SQLite database, say): the time series in
// tsdb/ (sealed blocks and the hourly rollups of expired readings in
// append-only segment files, the heads in a snapshot; see tsdb.Open) and
// the alarms in alarms.json with its journal (see alarm.Manager.Save).
// Run checkpoints every tick and when it stops (after processing the
// batches already accepted); New reads everything back, resumes the rules
// from the open alarms and the stored readings (rules.Engine.Resume) and
// settles what no longer agrees, so that queries over the time before the
// restart answer the same and an open alarm stays open with its case. A
// process that dies loses the readings since the last checkpoint (one
// tick), never a case: every case call is journaled before it is made and
// repeated, under the same idempotency key, after a restart.
//
// Nothing in the ingest path stops for one bad reading: every rejected
// reading is counted by reason and the latest ones are kept in a small
// quarantine with a message saying what was wrong.
package sense
