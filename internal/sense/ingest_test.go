package sense

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"yiwang/internal/geo"
	"yiwang/internal/sense/lineproto"
	"yiwang/internal/sense/registry"
)

var t0 = time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)

func testRegistry(t testing.TB) *registry.Registry {
	t.Helper()
	r, err := registry.New([]registry.Sensor{
		{ID: "WL1", Kind: registry.WaterLevel, Unit: "m", Lat: 30.5, Lon: 114.3, Owner: "shuiwu.420102", Interval: time.Minute},
		{ID: "P1", Kind: registry.PumpState, Unit: "state", Lat: 30.5, Lon: 114.3, Owner: "shuiwu.420102", Interval: time.Minute},
	}, registry.Options{Locate: func(lat, lon float64) (geo.Chain, error) {
		return geo.Chain{District: geo.AreaRef{Code: "420102"}, Street: geo.AreaRef{Code: "420102001"},
			Community: geo.AreaRef{Code: "420102001001"}, Grid: geo.AreaRef{Code: "420102001001001"}}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type collect struct{ got []Reading }

func (c *collect) Process(_ context.Context, b *Batch) { c.got = append(c.got, b.Readings...) }

func newIngester(t *testing.T, queue int) (*Ingester, *collect) {
	c := &collect{}
	ing, err := NewIngester(IngestOptions{Registry: testRegistry(t), Sink: c, QueueBatches: queue, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	return ing, c
}

// drain processes what is queued.
func drain(ing *Ingester) {
	for {
		select {
		case b := <-ing.queue:
			ing.o.Sink.Process(context.Background(), b)
			b.release()
		default:
			return
		}
	}
}

func TestAddLinesRejections(t *testing.T) {
	ns := t0.UnixNano()
	tests := []struct {
		name, line string
		reason     Reason
		want       string
	}{
		{"malformed", "water_level,sensor=WL1 value=", ReasonMalformed, "missing field value"},
		{"nan", "water_level,sensor=WL1 value=NaN", ReasonMalformed, "NaN and Inf"},
		{"no sensor tag", "water_level value=1", ReasonMalformed, `no "sensor" tag`},
		{"string", `water_level,sensor=WL1 value="high"`, ReasonNotNumber, "is a string"},
		{"no value", "water_level,sensor=WL1 a=1,b=2", ReasonNotNumber, `no "value" field`},
		{"unit", "water_level,sensor=WL1,unit=cm value=1", ReasonUnitMismatch, `reports in "m", reading is in "cm"`},
		{"kind", "rainfall,sensor=WL1 value=1", ReasonKindMismatch, "WL1 is water_level"},
		{"unknown", "water_level,sensor=ZZ9 value=1", ReasonUnknownSensor, `unknown sensor "ZZ9"`},
		{"future", "water_level,sensor=WL1 value=1 " + itoa(ns+int64(time.Hour)), ReasonTimeRange, "outside"},
		{"past", "water_level,sensor=WL1 value=1 " + itoa(ns-int64(30*24*time.Hour)), ReasonTimeRange, "outside"},
		{"far past", "water_level,sensor=WL1 value=1 -9223372036854775808", ReasonTimeRange, "outside"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ing, _ := newIngester(t, 4)
			b, _ := ing.NewBatch(t0)
			good := "water_level,sensor=WL1,unit=m value=2.5 " + itoa(ns)
			if n := ing.AddLines(b, new(lineproto.Parser), []byte(good+"\n"+tc.line+"\n"+good+"\n"), "test"); n != 1 {
				t.Fatalf("rejected %d, want 1", n)
			}
			if len(b.Readings) != 2 {
				t.Fatalf("accepted %d, want 2 (a bad line must not stop the batch)", len(b.Readings))
			}
			st := ing.Stats()
			if st.Rejected[tc.reason.String()] != 1 || len(st.Quarantine) != 1 || !strings.Contains(st.Quarantine[0].Message, tc.want) {
				t.Fatalf("stats %+v, want one %s containing %q", st, tc.reason, tc.want)
			}
			if tc.reason == ReasonUnknownSensor && st.UnknownSensors["ZZ9"] != 1 {
				t.Fatalf("unknown sensors %v", st.UnknownSensors)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestHTTP(t *testing.T) {
	ing, c := newIngester(t, 1)
	srv := httptest.NewServer(ing)
	defer srv.Close()
	post := func(ct, body string) *http.Response {
		resp, err := http.Post(srv.URL, ct, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := post("text/plain", "water_level,sensor=WL1 value=1\npump_state,sensor=P1 value=true\n"); r.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d", r.StatusCode)
	}
	// The queue holds one batch and nobody processes it: back-pressure.
	r := post("text/plain", "water_level,sensor=WL1 value=2\n")
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q; want 429 with Retry-After", r.StatusCode, r.Header.Get("Retry-After"))
	}
	drain(ing)
	if len(c.got) != 2 || c.got[1].V != 1 {
		t.Fatalf("got %+v", c.got)
	}
	// JSON, with one bad reading: partial write, 400 naming it.
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(
		`{"readings":[{"sensor":"WL1","value":3.5,"unit":"m","time":"2026-07-01T07:59:00Z"},{"sensor":"WL1","value":1e999}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var res WriteResult
	json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || res.Accepted != 1 || res.Rejected != 1 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0], "not finite") {
		t.Fatalf("status %d, %+v", resp.StatusCode, res)
	}
	drain(ing)
	if len(c.got) != 3 || c.got[2].T != t0.Add(-time.Minute).UnixNano() {
		t.Fatalf("got %+v", c.got)
	}
	if st := ing.Stats(); st.Throttled != 1 || st.Accepted != 3 {
		t.Fatalf("stats %+v", st)
	}
	if r := post("application/json", "{"); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad JSON: %d", r.StatusCode)
	}
	drain(ing)
}

func TestHTTPBodyLimit(t *testing.T) {
	c := &collect{}
	ing, _ := NewIngester(IngestOptions{Registry: testRegistry(t), Sink: c, MaxBody: 100, Now: func() time.Time { return t0 }})
	rec := httptest.NewRecorder()
	ing.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 1000))))
	if rec.Code != http.StatusRequestEntityTooLarge || ing.Stats().Rejected["oversize"] != 1 {
		t.Fatalf("code %d, stats %+v", rec.Code, ing.Stats())
	}
	// The slot was given back.
	rec = httptest.NewRecorder()
	ing.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader("water_level,sensor=WL1 value=1")))
	if rec.Code != http.StatusNoContent {
		t.Fatalf("code %d: %s", rec.Code, rec.Body)
	}
}

func FuzzAddLines(f *testing.F) {
	f.Add([]byte("water_level,sensor=WL1,unit=m value=2.5\npump_state,sensor=P1 value=t\n"))
	f.Add([]byte("water_level,sensor=WL1 value=\"x\"\n\n# c\nbad"))
	reg := testRegistry(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ing, _ := NewIngester(IngestOptions{Registry: reg, Sink: &collect{}, Now: func() time.Time { return t0 }})
		b, _ := ing.NewBatch(t0)
		rej := ing.AddLines(b, new(lineproto.Parser), body, "fuzz")
		var total int64
		for _, n := range ing.Stats().Rejected {
			total += n
		}
		if int64(rej) != total {
			t.Fatalf("returned %d rejections, counted %d", rej, total)
		}
		for _, r := range b.Readings {
			if r.V != r.V || r.T < t0.Add(-DefaultMaxPast).UnixNano() || r.T > t0.Add(DefaultMaxFuture).UnixNano() {
				t.Fatalf("bad reading accepted: %+v", r)
			}
		}
	})
}

func FuzzAddJSON(f *testing.F) {
	f.Add([]byte(`{"readings":[{"sensor":"WL1","value":3.5,"unit":"m","time":"2026-07-01T07:59:00Z"},{"sensor":"P1","value":1e999}]}`))
	f.Add([]byte(`{"readings":[{"sensor":"WL1","value":"x","time_ns":-1}]}`))
	reg := testRegistry(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ing, _ := NewIngester(IngestOptions{Registry: reg, Sink: &collect{}, Now: func() time.Time { return t0 }})
		b, _ := ing.NewBatch(t0)
		rej := ing.addJSON(b, body)
		var total int64
		for _, n := range ing.Stats().Rejected {
			total += n
		}
		if int64(rej) != total {
			t.Fatalf("returned %d rejections, counted %d", rej, total)
		}
		for _, r := range b.Readings {
			if r.V != r.V || r.V-r.V != 0 {
				t.Fatalf("non-finite reading accepted: %+v", r)
			}
		}
	})
}
