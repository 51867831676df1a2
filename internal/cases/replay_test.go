package cases_test

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/cases/casestest"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// TestReplayRandomHistories proves that the current state is reproducible
// from the stored events: for random legal histories, replaying the
// JSON-serialised events gives exactly the case that was built step by step.
func TestReplayRandomHistories(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 500; i++ {
		want, hist, err := casestest.History(r, "WH-20261123-000001", t0, 1+r.IntN(40))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(hist)
		if err != nil {
			t.Fatal(err)
		}
		var back []cases.Event
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		got, err := cases.Replay(back)
		if err != nil {
			t.Fatalf("history %d: %v", i, err)
		}
		if !reflect.DeepEqual(normalizeTimes(got), normalizeTimes(want)) {
			t.Fatalf("history %d: replay differs\n got %+v\nwant %+v", i, got, want)
		}
	}
}

func normalizeTimes(c cases.Case) cases.Case {
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c
}

func TestReplayRejectsBrokenHistory(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	_, hist, err := casestest.History(r, "WH-20261123-000001", t0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) < 3 {
		t.Skip("history too short")
	}
	gap := append([]cases.Event{}, hist[0], hist[2])
	if _, err := cases.Replay(gap); err == nil {
		t.Error("replay accepted a gap in the sequence")
	}
	wrongFrom := append([]cases.Event{}, hist[:2]...)
	wrongFrom[1].From = cases.StateClosed
	if _, err := cases.Replay(wrongFrom); err == nil {
		t.Error("replay accepted an event from the wrong state")
	}
	if _, err := cases.Replay(nil); err == nil {
		t.Error("replay accepted no events")
	}
}
