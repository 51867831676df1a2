package api

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// TestConcurrentTransitionsOneWins sends the same If-Match from many
// clients at once: exactly one transition is recorded.
func TestConcurrentTransitionsOneWins(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h := newHarness(t, st)
		c := h.create(nil)
		const n = 8
		codes := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				rec := h.do("POST", "/api/v1/cases/"+c.ID+"/transitions",
					`{"action":"dispatch","actor":"d","payload":{"unit":"u1"}}`, "If-Match", `"1"`)
				codes[i] = rec.Code
			})
		}
		wg.Wait()
		won := 0
		for _, code := range codes {
			switch code {
			case http.StatusOK:
				won++
			case http.StatusConflict:
			default:
				t.Errorf("status %d, want 200 or 409", code)
			}
		}
		events, err := st.History(t.Context(), c.ID)
		if won != 1 || err != nil || len(events) != 2 {
			t.Fatalf("%d transitions succeeded, history %d events (%v); want exactly one", won, len(events), err)
		}
	})
}

// TestConcurrentIdempotentCreates retries one create from many clients at
// once: one case, every answer names it, exactly one says 201.
func TestConcurrentIdempotentCreates(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h := newHarness(t, st)
		const n = 8
		results := make([]cases.Case, n)
		codes := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				rec := h.do("POST", "/api/v1/cases", caseBody(nil), "Idempotency-Key", "same-key")
				codes[i] = rec.Code
				if rec.Code < 300 {
					json.Unmarshal(rec.Body.Bytes(), &results[i]) // an empty ID fails the check below
				}
			})
		}
		wg.Wait()
		created := 0
		for i, code := range codes {
			if code == http.StatusCreated {
				created++
			} else if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			if results[i].ID != results[0].ID {
				t.Errorf("answer %d names case %s, answer 0 names %s", i, results[i].ID, results[0].ID)
			}
		}
		if all := h.all(); created != 1 || len(all) != 1 {
			t.Fatalf("%d answers said created, %d cases stored; want 1 and 1", created, len(all))
		}
	})
}
