package memstore

import (
	"time"

	"yiwang/internal/store"
)

// Case ids are PREFIX-YYYYMMDD-NNNNNN, as the SQL stores make them: the
// creation date in Asia/Shanghai and a per-day counter (six digits at
// least) shared by every view, so ids never collide across views.

// idDay is the counter key for a case created at t.
func (s *Store) idDay(t time.Time) string { return s.idFormat().Day(t) }

func (s *Store) formatID(day string, n int64) string { return s.idFormat().Format(day, n) }

// parseID returns the day and number of an id in this store's format.
func (s *Store) parseID(id string) (day string, n int64, ok bool) { return s.idFormat().Parse(id) }

func (s *Store) idFormat() store.IDFormat { return store.IDFormat{Prefix: s.prefix, Zone: s.shanghai} }
