package sense

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/sense/alarm"
	"yiwang/internal/sense/rules"
	"yiwang/internal/store/memstore"
	"yiwang/internal/workflow"
)

const testRules = `
rules:
  - id: wl-high
    kind: threshold
    sensor: WL1
    above: 28.5
    clear: 28.0
    severity: critical
    category: "0101"
    title: 水位超警戒
  - id: wl-stale
    kind: stale
    sensor: WL1
    after: 10m
    category: "0101"
`

// TestPipelineEndToEnd posts readings over HTTP and sees them stored, an
// alarm raised and its case created through the real workflow.
func TestPipelineEndToEnd(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	now := t0
	clock := func() time.Time { return now }
	wf, err := workflow.New(workflow.Options{Store: st, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rules.ParseBytes([]byte(testRules))
	if err != nil {
		t.Fatal(err)
	}
	casec := make(chan cases.Case, 4)
	p, err := New(Options{Registry: testRegistry(t), Rules: rs, Cases: wf, Now: clock, TickEvery: time.Hour,
		OnCase: func(a alarm.Alarm, c cases.Case, created bool) { casec <- c }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()

	var body strings.Builder
	for m := range 5 {
		fmt.Fprintf(&body, "water_level,sensor=WL1,unit=m value=%g %d\n", 27.0+float64(m)*0.5, t0.Add(time.Duration(m-5)*time.Minute).UnixNano())
	}
	resp, err := http.Post(srv.URL+"/write", "text/plain", strings.NewReader(body.String()))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("write: %v %v", err, resp.Status)
	}
	c := <-casec
	if c.Channel != cases.ChannelSensor || c.Severity != cases.SeverityCritical || c.Title != "水位超警戒" || c.Unit == "" {
		t.Fatalf("case %+v", c)
	}
	var got []struct{ T int64 }
	getJSON(t, srv.URL+"/sensors/WL1/readings?from="+t0.Add(-time.Hour).Format(time.RFC3339), &got)
	if len(got) != 5 {
		t.Fatalf("stored %d readings", len(got))
	}
	var latest []Latest
	getJSON(t, srv.URL+"/latest?area=420102", &latest)
	if len(latest) != 1 || latest[0].Value != 29 {
		t.Fatalf("latest %+v", latest)
	}
	var al map[string][]alarm.Alarm
	getJSON(t, srv.URL+"/alarms", &al)
	if len(al["open"]) != 1 || al["open"][0].CaseID != c.ID {
		t.Fatalf("alarms %+v", al)
	}
	// The stale rule: silence for 11 minutes raises a second alarm.
	now = t0.Add(11 * time.Minute)
	p.Tick(now)
	p.Tick(now)
	if c2 := <-casec; c2.ID == c.ID || !strings.Contains(c2.Title, "无数据") {
		t.Fatalf("stale case %+v", c2)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
