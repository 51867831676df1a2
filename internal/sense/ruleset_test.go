package sense

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"yiwang/internal/sense/lineproto"
	"yiwang/internal/sense/rules"
	"yiwang/internal/store"
	"yiwang/internal/store/memstore"
	"yiwang/internal/workflow"
)

// rulesRig is a pipeline over a memory store with a settable clock.
type rulesRig struct {
	t   *testing.T
	st  store.Store
	now time.Time
	p   *Pipeline
	srv *httptest.Server
}

func newRulesRig(t *testing.T, st store.Store) *rulesRig {
	t.Helper()
	g := &rulesRig{t: t, st: st, now: t0}
	clock := func() time.Time { return g.now }
	wf, err := workflow.New(workflow.Options{Store: st, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rules.ParseBytes([]byte(testRules))
	if err != nil {
		t.Fatal(err)
	}
	g.p, err = New(Options{Registry: testRegistry(t), Rules: rs, RulesYAML: []byte(testRules), Documents: st, Cases: wf,
		Now: clock, MinHold: time.Nanosecond, TickEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.p.LoadRules(context.Background()); err != nil {
		t.Fatal(err)
	}
	g.srv = httptest.NewServer(g.p.Handler())
	t.Cleanup(g.srv.Close)
	return g
}

// write evaluates one WL1 reading synchronously, a minute after the last.
func (g *rulesRig) write(v float64) {
	g.t.Helper()
	g.now = g.now.Add(time.Minute)
	b, err := g.p.Ingester.NewBatch(g.now)
	if err != nil {
		g.t.Fatal(err)
	}
	if n := g.p.Ingester.AddLines(b, new(lineproto.Parser), fmt.Appendf(nil, "water_level,sensor=WL1,unit=m value=%g %d", v, g.now.UnixNano()), "test"); n != 0 {
		g.t.Fatalf("reading rejected: %v", g.p.Ingester.Stats())
	}
	g.p.Process(context.Background(), b)
	g.p.Ingester.Discard(b)
}

// alarmed reports whether the wl-high alarm is open.
func (g *rulesRig) alarmed() bool {
	for _, a := range g.p.Alarms.Open() {
		if a.Rule == "wl-high" {
			return true
		}
	}
	return false
}

func (g *rulesRig) put(ifMatch, body string) (int, map[string]any) {
	g.t.Helper()
	req, _ := http.NewRequest(http.MethodPut, g.srv.URL+"/rules?actor=tester", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/yaml")
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		g.t.Fatal(err)
	}
	return resp.StatusCode, out
}

var raisedRules = strings.Replace(testRules, "above: 28.5\n    clear: 28.0", "above: 30\n    clear: 29.5", 1)

func TestPutRules(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	g := newRulesRig(t, st)

	var rs RuleSet
	getJSON(t, g.srv.URL+"/rules", &rs)
	if rs.Version != 0 || rs.Rules != 2 || !strings.Contains(rs.YAML, "wl-high") {
		t.Fatalf("rules at start %+v", rs)
	}
	var sensors []SensorInfo
	getJSON(t, g.srv.URL+"/sensors", &sensors)
	if len(sensors) != 2 || sensors[0].ID != "WL1" || sensors[0].Grid != "420102001001001" {
		t.Fatalf("sensors %+v", sensors)
	}
	g.write(29)
	if !g.alarmed() {
		t.Fatal("29 m under the start rules raised no alarm")
	}

	// Invalid documents: 422 naming every problem; the old rules stay.
	invalid := []struct {
		name, body string
		want       []string
	}{
		{"unknown sensor and cycle", `rules:
- {id: x, kind: threshold, sensor: NOPE, above: 1, category: "0101"}
- {id: a, kind: composite, all: [b], category: "0101"}
- {id: b, kind: composite, any: [a], category: "0101"}
`, []string{`unknown sensor "NOPE"`, "a → b → a"}},
		{"unknown field", "rules:\n- {id: x, kind: threshold, sensor: WL1, abve: 1}\n", []string{"abve"}},
		{"not YAML", "rules: [", []string{"parsing rules"}},
	}
	for _, tc := range invalid {
		code, out := g.put(`"0"`, tc.body)
		msgs := fmt.Sprint(out["errors"])
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d %v", tc.name, code, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(msgs, w) {
				t.Errorf("%s: errors %s do not name %q", tc.name, msgs, w)
			}
		}
	}
	if got := g.p.Rules().Version; got != 0 {
		t.Fatalf("version %d after invalid PUTs", got)
	}
	g.write(28.8)
	if !g.alarmed() {
		t.Fatal("the old rules stopped alarming after invalid PUTs")
	}

	// Preconditions.
	if code, out := g.put(`"5"`, raisedRules); code != http.StatusConflict {
		t.Fatalf("stale If-Match: %d %v", code, out)
	}
	if code, out := g.put("", raisedRules); code != http.StatusPreconditionRequired {
		t.Fatalf("no If-Match: %d %v", code, out)
	}

	// An unchanged rule keeps its open alarm across a swap.
	open := g.p.Alarms.Open()
	added := testRules + "  - {id: wl-low, kind: threshold, sensor: WL1, below: 1, category: \"0101\"}\n"
	if code, out := g.put(`"0"`, added); code != http.StatusOK || out["version"] != 1.0 {
		t.Fatalf("PUT: %d %v", code, out)
	}
	if now := g.p.Alarms.Open(); len(now) != len(open) || now[0].ID != open[0].ID || g.p.Alarms.Stats().Cleared != 0 {
		t.Fatalf("alarms before %+v after %+v", open, now)
	}

	// Raising the level above the reading clears the alarm; 29.4 no
	// longer alarms, 30.5 does.
	if code, out := g.put(`"1"`, raisedRules); code != http.StatusOK || out["version"] != 2.0 {
		t.Fatalf("PUT: %d %v", code, out)
	}
	if g.alarmed() {
		t.Fatal("alarm still open after the level was raised above the reading")
	}
	g.write(29.4)
	if g.alarmed() {
		t.Fatal("29.4 m alarmed under a 30 m level")
	}
	g.write(30.5)
	if !g.alarmed() {
		t.Fatal("30.5 m did not alarm under a 30 m level")
	}
	d, err := st.GetDocument(context.Background(), RulesDocument)
	if err != nil || d.Version != 2 || d.UpdatedBy != "tester" || string(d.Body) != raisedRules {
		t.Fatalf("stored document v%d by %q: %v", d.Version, d.UpdatedBy, err)
	}

	// A pipeline reopened on the same store loads the stored rules.
	g2 := newRulesRig(t, st)
	if rs := g2.p.Rules(); rs.Version != 2 || rs.YAML != raisedRules {
		t.Fatalf("reopened with %+v", rs)
	}
	g2.write(29.4)
	if g2.alarmed() {
		t.Fatal("reopened pipeline alarmed at 29.4 m: it uses the start rules")
	}

	// The first pipeline follows a version another node stored.
	if _, err := g2.p.PutRules(context.Background(), []byte(testRules), 2, "other node"); err != nil {
		t.Fatal(err)
	}
	if changed, err := g.p.Refresh(context.Background()); err != nil || !changed || g.p.Rules().Version != 3 {
		t.Fatalf("refresh: %v %v version %d", changed, err, g.p.Rules().Version)
	}
}

// TestPutRulesWhileIngesting swaps rules while batches are evaluated: no
// reading is lost (run with -race to check the locking).
func TestPutRulesWhileIngesting(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	g := newRulesRig(t, st)
	const n = 300
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go g.p.Ingester.Run(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ps := new(lineproto.Parser)
		for i := range n {
			b, err := g.p.Ingester.WaitBatch(ctx, t0)
			if err != nil {
				t.Error(err)
				return
			}
			g.p.Ingester.AddLines(b, ps, fmt.Appendf(nil, "water_level,sensor=WL1,unit=m value=%d %d", 27+i%4, t0.Add(time.Duration(i)*time.Second).UnixNano()), "test")
			g.p.Ingester.Enqueue(b)
		}
	}()
	for v := range 20 {
		body := testRules
		if v%2 == 0 {
			body = raisedRules
		}
		if _, err := g.p.PutRules(ctx, []byte(body), v, "tester"); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for g.p.Ingester.Stats().Processed < n {
		if time.Now().After(deadline) {
			t.Fatalf("processed %d readings of %d", g.p.Ingester.Stats().Processed, n)
		}
		<-time.After(time.Millisecond)
	}
	got, _ := g.p.DB.Range(0, t0.UnixNano(), t0.Add(time.Hour).UnixNano())
	if len(got) != n {
		t.Fatalf("stored %d readings of %d", len(got), n)
	}
}

func FuzzIfMatchVersion(f *testing.F) {
	for _, s := range []string{`"3"`, "3", "*", `W/"3"`, `"-1"`, "", `""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ifMatchVersion([]string{s})
		if err != nil {
			return
		}
		if n == -1 && strings.TrimSpace(s) != "*" || n < -1 {
			t.Fatalf("%q → %d", s, n)
		}
	})
}
