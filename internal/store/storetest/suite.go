package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// Opener returns a new, empty store for one subtest and arranges for it to
// be closed when the test ends (t.Cleanup; closing twice must be harmless).
// publish, when not nil, must receive the store's committed events as
// store implementations publish them (after commit, in commit order).
type Opener func(t *testing.T, publish func([]cases.Event)) store.Store

// Run runs the whole conformance suite, each subtest on its own store.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"CreateGetRoundTrip", testCreateGetRoundTrip},
		{"CreateValidates", testCreateValidates},
		{"IDFormatAndUniqueness", testIDFormatAndUniqueness},
		{"CreateThen", testCreateThen},
		{"Idempotency", testIdempotency},
		{"IdempotencyConcurrent", testIdempotencyConcurrent},
		{"Lifecycle", testLifecycle},
		{"IllegalTransition", testIllegalTransition},
		{"ExpectVersion", testExpectVersion},
		{"NotFound", testNotFound},
		{"ConcurrentTransitions", testConcurrentTransitions},
		{"ProjectionEqualsReplay", testProjectionEqualsReplay},
		{"ListFilters", testListFilters},
		{"ListPagination", testListPagination},
		{"AreaCodes", testAreaCodes},
		{"Events", testEvents},
		{"ImportRoundTrip", testImportRoundTrip},
		{"ImportRefuses", testImportRefuses},
		{"Publish", testPublish},
		{"TransitionIdempotency", testTransitionIdempotency},
		{"TransitionIdempotencyConcurrent", testTransitionIdempotencyConcurrent},
		{"DueBefore", testDueBefore},
		{"MinReturns", testMinReturns},
		{"OpenSummons", testOpenSummons},
		{"Queue", testQueue},
		{"Parent", testParent},
		{"ByDue", testByDue},
		{"DerivedFiltersRandom", testDerivedFilters},
		{"EventsByAction", testEventsByAction},
		{"Documents", testDocuments},
		{"DocumentList", testDocumentList},
		{"Scope", testScope},
		{"Closed", testClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

// t0 is a fixed instant the suite's times are built from: 2026-11-23
// 10:00 in Wuhan.
var t0 = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fullCase is a NewCase with every field set.
func fullCase(title string) cases.NewCase {
	lat, lon := 30.5928, 114.3055
	return cases.NewCase{
		Channel:     cases.ChannelHotline,
		Title:       title,
		Description: "中山大道与江汉路交叉口路灯不亮，已持续三天。",
		Category:    "0103",
		Location: cases.Location{Lat: &lat, Lon: &lon, Address: "江汉区中山大道 818 号",
			District: "420103", Street: "420103002", Community: "420103002003", Grid: "420103002003G01"},
		Reporter:    cases.Reporter{Name: "张三", Phone: "13812345678", Email: "zhang@example.com", OrgCode: "91420100MA4KXXXX0X"},
		Severity:    cases.SeverityUrgent,
		Attachments: []cases.Attachment{{URL: "https://files.example/a.jpg", Name: "a.jpg", Type: "image/jpeg", SHA256: "00ff"}},
		Tags:        []string{"路灯", "夜间"},
	}
}

func simpleCase(title string) cases.NewCase {
	return cases.NewCase{Channel: cases.ChannelWeb, Title: title, Category: "01", Severity: cases.SeverityNormal}
}

func mustCreate(t *testing.T, s store.Store, n cases.NewCase, at time.Time) cases.Case {
	t.Helper()
	c, created, err := s.Create(ctxT(t), store.CreateRequest{Case: n, Actor: "agent1", Unit: "12345", At: at})
	if err != nil {
		t.Fatalf("create %q: %v", n.Title, err)
	}
	if !created {
		t.Fatalf("create %q: created = false without idempotency key", n.Title)
	}
	return c
}

func mustTransition(t *testing.T, s store.Store, id string, cmd cases.Command, at time.Time) cases.Case {
	t.Helper()
	if cmd.Actor == "" {
		cmd.Actor = "tester"
	}
	c, _, err := s.Transition(ctxT(t), store.TransitionRequest{ID: id, Command: cmd, At: at})
	if err != nil {
		t.Fatalf("%s %s: %v", cmd.Action, id, err)
	}
	return c
}

// jsonEq reports whether a and b encode to the same JSON, which compares
// times by instant-and-zone text and ignores pointer identity.
func jsonEq(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ja) == string(jb)
}

func requireJSONEq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !jsonEq(t, got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Fatalf("%s differs\n got %s\nwant %s", what, g, w)
	}
}

// allEvents reads the whole event log.
func allEvents(t *testing.T, s store.Store) []cases.Event {
	t.Helper()
	var out []cases.Event
	var after int64
	for {
		evs, err := s.Events(ctxT(t), after, 100)
		if err != nil {
			t.Fatalf("events after %d: %v", after, err)
		}
		if len(evs) == 0 {
			return out
		}
		out = append(out, evs...)
		after = evs[len(evs)-1].Pos
	}
}

// withoutPos clears positions so histories from different stores compare.
func withoutPos(evs []cases.Event) []cases.Event {
	out := make([]cases.Event, len(evs))
	for i, e := range evs {
		e.Pos = 0
		out[i] = e
	}
	return out
}

func checkSeqs(t *testing.T, id string, evs []cases.Event) {
	t.Helper()
	for i, e := range evs {
		if e.Seq != i+1 || e.CaseID != id {
			t.Fatalf("history of %s: event %d is %s/%d, want %s/%d", id, i, e.CaseID, e.Seq, id, i+1)
		}
	}
}

func describe(evs []cases.Event) string {
	s := ""
	for _, e := range evs {
		s += fmt.Sprintf("%s/%d:%s ", e.CaseID, e.Seq, e.Action)
	}
	return s
}
