package open311

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/geo"
	"yiwang/internal/store"
	"yiwang/internal/store/sqlstore"
	"yiwang/internal/workflow"
)

var (
	loadOnce sync.Once
	testGeo  *geo.Index
	testTax  *category.Taxonomy
	loadErr  error
)

// shared loads the geography and taxonomy once per test binary.
func shared(t testing.TB) (*geo.Index, *category.Taxonomy) {
	t.Helper()
	loadOnce.Do(func() {
		if testGeo, loadErr = geo.Load(); loadErr != nil {
			return
		}
		testTax, loadErr = category.Default()
	})
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return testGeo, testTax
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// t0 is a Monday morning in Wuhan.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, wuhan)

// fixture is an Open311 server over a fresh SQLite store and the real
// workflow, driven as a third-party client drives it: over HTTP.
type fixture struct {
	srv   *Server
	st    store.Store
	clock *clock
	h     http.Handler
}

const testKey = "test-key-0123456789"

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	idx, tax := shared(t)
	clk := &clock{t: t0}
	st, err := sqlstore.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "o.db"),
		sqlstore.Options{Now: clk.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	wf, err := workflow.New(workflow.Options{Store: st, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.APIKeys == nil {
		cfg.APIKeys = []string{testKey}
	}
	srv, err := New(Options{Creator: wf, Store: st, Taxonomy: tax, Geo: idx, Config: cfg, Now: clk.Now,
		UnitName: func(code string) string { return wf.Engine().Directory().Name(code) }})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, st: st, clock: clk, h: srv}
}

func (f *fixture) do(t *testing.T, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// post sends a form as a client does.
func (f *fixture) post(t *testing.T, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, Prefix+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.do(t, req)
}

func (f *fixture) get(t *testing.T, pathAndQuery string) *httptest.ResponseRecorder {
	t.Helper()
	return f.do(t, httptest.NewRequest(http.MethodGet, Prefix+pathAndQuery, nil))
}

// count returns how many cases the store holds.
func (f *fixture) count(t *testing.T) int {
	t.Helper()
	page, err := f.st.List(context.Background(), store.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Cases)
}

// pointIn returns a point inside Wuhan, the same for every run.
func pointIn(t *testing.T, seed uint64) (lat, lon float64) {
	t.Helper()
	idx, _ := shared(t)
	ds := idx.Areas(geo.LevelDistrict)
	r := rand.New(rand.NewPCG(seed, 1))
	p := idx.RandomPointIn(ds[int(seed)%len(ds)].Code, r)
	return p.Lat(), p.Lon()
}

// Service codes of the fixture's services (looked up by path).
func codeOf(t *testing.T, path string) string {
	t.Helper()
	_, tax := shared(t)
	for _, c := range tax.All() {
		if c.Path == path {
			return c.Code
		}
	}
	t.Fatalf("no category %q", path)
	return ""
}

const (
	pathSanitation = "城乡建设 / 城市建设和市政管理 / 环境卫生"   // waste_type required list, duration_days number
	pathWater      = "城乡建设 / 城市建设和市政管理 / 自来水供应"  // issue multivaluelist required, since datetime
	pathFacility   = "城乡建设 / 城市建设和市政管理 / 城市公共设施" // facility required, safety_note informational
	pathPlain      = "城乡建设 / 安全生产 / 事故处理"        // no attributes
)

// validForm is a complete, valid create for the sanitation service.
func validForm(t *testing.T) url.Values {
	lat, lon := pointIn(t, 3)
	return url.Values{
		"api_key": {testKey}, "service_code": {codeOf(t, pathSanitation)},
		"lat": {ftoa(lat)}, "long": {ftoa(lon)},
		"attribute[waste_type]": {"overflow"}, "attribute[duration_days]": {"3"},
		"description": {"小区门口垃圾桶满溢，已经三天没人清运。联系我 13812345678"},
		"first_name":  {"小明"}, "last_name": {"王"}, "email": {"wang@example.com"}, "phone": {"13812345678"},
		"device_id": {"device-1"}, "account_id": {"acct-9"}, "media_url": {"https://img.example.com/a.jpg"},
	}
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// decodeJSON parses a JSON body into v, failing the test otherwise.
func decodeJSON(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json; body %s", ct, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decoding %s: %v", rec.Body, err)
	}
}

// decodeXML parses an XML body into v, failing the test otherwise.
func decodeXML(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Fatalf("Content-Type %q, want text/xml; body %s", ct, rec.Body)
	}
	if !strings.HasPrefix(rec.Body.String(), `<?xml version="1.0" encoding="utf-8"?>`) {
		t.Fatalf("XML body has no declaration: %s", rec.Body)
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decoding %s: %v", rec.Body, err)
	}
}

// clientErrors is an error list as a client parses it.
type clientErrors []struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

type clientErrorsXML struct {
	XMLName xml.Name `xml:"errors"`
	Errors  []struct {
		Code        int    `xml:"code"`
		Description string `xml:"description"`
	} `xml:"error"`
}

// wantErrors checks a JSON error response: the status, every entry's code,
// and that some description contains each of the given texts.
func wantErrors(t *testing.T, rec *httptest.ResponseRecorder, status int, texts ...string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	var errs clientErrors
	decodeJSON(t, rec, &errs)
	if len(errs) == 0 {
		t.Fatalf("empty error list")
	}
	all := ""
	for _, e := range errs {
		if e.Code != status {
			t.Errorf("error code %d, want %d", e.Code, status)
		}
		all += e.Description + "\n"
	}
	for _, want := range texts {
		if !strings.Contains(all, want) {
			t.Errorf("errors %q do not mention %q", all, want)
		}
	}
}

// resolveCase moves a dispatched case to resolved with an official reply,
// as its unit would.
func resolveCase(t *testing.T, f *fixture, id string) {
	t.Helper()
	ctx := context.Background()
	c, err := f.st.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.State != cases.StateDispatched {
		t.Fatalf("case %s is %s, want dispatched (the workflow should have dispatched it)", id, c.State)
	}
	for _, cmd := range []cases.Command{
		{Action: cases.ActionAccept, Actor: "unit-staff"},
		{Action: cases.ActionResolve, Actor: "unit-staff", Payload: cases.Payload{Reply: "已安排清运，垃圾桶已清空。"}},
	} {
		if _, _, err := f.st.Transition(ctx, store.TransitionRequest{ID: id, Command: cmd}); err != nil {
			t.Fatal(err)
		}
	}
}

var storeFilterAll = store.Filter{Limit: 1000}
