package api

import (
	"context"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// maxScan bounds how many cases one lookup that the store cannot filter
// (by phone, organisation code or address) reads; the response says when
// it stopped early. The store contract has no such filters yet.
const maxScan = 5000

// maxMatches bounds how many matching cases one lookup returns.
const maxMatches = 100

// scanCases lists cases matching f, newest first, and keeps those for which
// keep is true, reading at most maxScan cases. truncated reports that it
// stopped before the end of the list.
func (s *Server) scanCases(ctx context.Context, f store.Filter, keep func(*cases.Case) bool) (out []cases.Case, scanned int, truncated bool, err error) {
	f.Limit = 1000
	s.restrict(ctx, &f)
	for {
		page, err := s.store.List(ctx, f)
		if err != nil {
			return nil, scanned, false, err
		}
		for i := range page.Cases {
			scanned++
			if keep(&page.Cases[i]) {
				if len(out) == maxMatches {
					return out, scanned, true, nil
				}
				out = append(out, page.Cases[i])
			}
		}
		if page.Next == "" {
			return out, scanned, false, nil
		}
		if scanned >= maxScan {
			return out, scanned, true, nil
		}
		f.Cursor = page.Next
	}
}

// openStates are the states of cases that still need work.
var openStates = func() []cases.State {
	var out []cases.State
	for _, st := range cases.States {
		if !st.Terminal() {
			out = append(out, st)
		}
	}
	return out
}()
