package memstore

import (
	"context"
	"fmt"
	"slices"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// imported is one validated history and the case it replays to.
type imported struct {
	c      cases.Case
	events []cases.Event
}

// Import stores whole case histories as they are, all or nothing: every
// history must replay cleanly and every id must be new (an id already
// stored, or repeated, is refused as invalid input), otherwise nothing is
// stored. Event times are kept to the microsecond and positions are
// assigned anew, oldest case first. Later creates never reuse an imported
// id.
func (s *Store) Import(ctx context.Context, histories [][]cases.Event) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	prepared, err := store.PrepareImport(histories)
	if err != nil {
		return err
	}
	imp := make([]imported, len(prepared))
	for i, p := range prepared {
		imp[i] = imported{c: p.Case, events: p.Events}
	}
	if len(imp) == 0 {
		return nil
	}
	slices.SortStableFunc(imp, func(a, b imported) int { return a.c.CreatedAt.Compare(b.c.CreatedAt) })
	return s.write(ctx, func() ([]cases.Event, error) { return s.importCases(imp) })
}

// importCases is Import's write, under the state's lock.
func (s *Store) importCases(imp []imported) ([]cases.Event, error) {
	st := s.st
	type stored struct {
		doc     []byte
		f       fields
		entries []entry
	}
	out := make([]stored, len(imp))
	var pub []cases.Event
	pos := st.nextPos()
	for i := range imp {
		c := &imp[i].c
		if st.cases[c.ID] != nil {
			return nil, fmt.Errorf("import: case %s: %w", c.ID, store.ErrExists)
		}
		doc, f, err := encodeCase(c)
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		entries, evs, err := encodeEvents(imp[i].events, pos, s.publish != nil)
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		pos += int64(len(entries))
		out[i] = stored{doc, f, entries}
		pub = append(pub, evs...)
	}
	for i := range imp {
		id := imp[i].c.ID
		st.commit(st.addRow(id), out[i].doc, out[i].f, out[i].entries)
		if day, n, ok := s.parseID(id); ok && n > st.counters[day] {
			st.counters[day] = n
		}
	}
	return pub, nil
}
