package sqlstore

import (
	"fmt"
	"time"

	"yiwang/internal/store"
)

// Case ids are PREFIX-YYYYMMDD-NNNNNN: the creation date in Asia/Shanghai and
// a per-day counter (six digits at least, more past 999,999 in one day)
// kept in id_counters and allocated inside the write transaction, so ids
// are unique across every node writing one database. Gaps are possible
// (a failed request in a batch does not return its number).

// idDay is the counter key for a case created at t.
func (s *Store) idDay(t time.Time) string { return s.idFormat().Day(t) }

func (s *Store) formatID(day string, n int64) string { return s.idFormat().Format(day, n) }

// parseID returns the day and number of an id in this store's format.
func (s *Store) parseID(id string) (day string, n int64, ok bool) { return s.idFormat().Parse(id) }

func (s *Store) idFormat() store.IDFormat { return store.IDFormat{Prefix: s.prefix, Zone: s.shanghai} }

// idRange is the block of numbers a batch reserved for one day.
type idRange struct{ next, end int64 }

// reserveIDs adds count numbers to day's counter and returns the first.
func (b *batch) reserveIDs(day string, count int64) (int64, error) {
	var last int64
	err := b.queryRow(qReserveIDs, []any{day, count}, &last)
	if err != nil {
		return 0, fmt.Errorf("reserve ids: %w", err)
	}
	return last - count + 1, nil
}

// newID returns the next id for day, from the batch's reserved range or,
// when that is used up, from a fresh reservation of one.
func (b *batch) newID(day string) (string, error) {
	r := b.ids[day]
	if r == nil || r.next > r.end {
		first, err := b.reserveIDs(day, 1)
		if err != nil {
			return "", err
		}
		r = &idRange{next: first, end: first}
		b.ids[day] = r
	}
	id := b.s.formatID(day, r.next)
	r.next++
	return id, nil
}

// bumpIDs makes sure later ids of day are numbered above n (after import).
func (b *batch) bumpIDs(day string, n int64) error {
	err := b.exec(`INSERT INTO id_counters (day, n) VALUES (?, ?)
		ON CONFLICT (day) DO UPDATE SET n = `+b.s.d.greatest+`(id_counters.n, excluded.n)`, day, n)
	if err != nil {
		return fmt.Errorf("bump id counter: %w", err)
	}
	return nil
}
