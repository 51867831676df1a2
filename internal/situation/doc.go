// Package situation owns the situation screen's aggregates (态势): KPIs,
// trends, rankings and per-area counts, maintained incrementally from the
// committed event stream instead of recomputed from the case table.
//
// An Aggregates loads the store's event log once (Store.Events), then
// applies each committed event from the stream (stream.Bus); when its
// subscription lags it catches up from the log again. Its whole state can
// be saved with the log position it covers (Save, SaveTo, KeepSaved; a
// store document or a file) and loaded at the next start (Restore), which
// then folds only the events after that position. A Snapshot costs
// O(areas + units + categories) of the asked area, never O(cases).
//
// Every KPI carries its definition (Chinese and English), so that what the
// wall shows is what the numbers mean; Definitions lists them.
package situation
