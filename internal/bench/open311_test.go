package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yiwang/internal/auth"
	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/geo"
	"yiwang/internal/open311"
	"yiwang/internal/platform"
	"yiwang/internal/ratelimit"
	"yiwang/internal/store"
)

func TestOpen311Bench(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end benchmark run")
	}
	res, err := Open311(context.Background(), Open311Options{N: 60, C: 4, DB: "sqlite"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Open311PerS <= 0 || res.JSONPerS <= 0 || res.Open311P99Ms < res.Open311P50Ms || res.JSONP99Ms < res.JSONP50Ms ||
		res.Errors != 0 || res.Ratio <= 0 || res.N != 60 || res.C != 4 {
		t.Fatalf("result %+v", res)
	}
	b, _ := json.Marshal(res)
	for _, key := range []string{"open311_per_s", "open311_p99_ms", "open311_p50_ms", "json_per_s", "json_p99_ms", "json_p50_ms"} {
		if !strings.Contains(string(b), `"`+key+`"`) {
			t.Errorf("JSON result lacks %s: %s", key, b)
		}
	}
}

// TestOpen311RequestsValid: every generated request is a valid create
// through a node, and lands dispatched on channel open311 with the same
// category and chain as its native twin.
func TestOpen311RequestsValid(t *testing.T) {
	idx, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	tax, _ := category.Default()
	reqs, err := makeOpen311Requests(idx, tax, 5)
	if err != nil {
		t.Fatal(err)
	}
	node, err := platform.Open(t.Context(), platform.Options{DB: "sqlite:" + filepath.Join(t.TempDir(), "b.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	for i, r := range reqs {
		rec := postForm(node.Handler, r.form, "")
		if rec.Code != 200 {
			t.Fatalf("request %d: %d %s", i, rec.Code, rec.Body)
		}
		var out []struct {
			ID string `json:"service_request_id"`
		}
		json.Unmarshal(rec.Body.Bytes(), &out)
		c, err := node.Store.Get(t.Context(), out[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Channel != cases.ChannelOpen311 || c.Category != r.native.Category || c.State != cases.StateDispatched || c.Location.Grid == "" {
			t.Errorf("request %d stored as %+v", i, c)
		}
	}
	page, _ := node.Store.List(t.Context(), store.Filter{})
	if len(page.Cases) != 5 {
		t.Fatalf("%d cases stored, want 5", len(page.Cases))
	}
}

func postForm(h http.Handler, form url.Values, remote string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, open311.Prefix+"requests.json", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if remote != "" {
		req.RemoteAddr = remote
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestRateLimitsMounted: with Options.RateLimit a node answers a client's
// creates beyond the burst with 429 on both create endpoints, each in its
// own error format, and leaves reads alone. The benchmark's nodes set no
// limit.
func TestRateLimitsMounted(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	node, err := platform.Open(t.Context(), platform.Options{DB: "sqlite:" + filepath.Join(t.TempDir(), "r.db"),
		Now: func() time.Time { return now }, RateLimit: ratelimit.Config{Rate: 0.1, Burst: 2},
		Open311: open311.Config{APIKeys: []string{"bench-key-123456"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	idx, _ := geo.Load()
	tax, _ := category.Default()
	reqs, _ := makeOpen311Requests(idx, tax, 6)
	token, err := node.MachineToken(t.Context(), "bench", auth.RoleDevice)
	if err != nil {
		t.Fatal(err)
	}
	jsonCreate := func(i int) *httptest.ResponseRecorder {
		body, _ := json.Marshal(reqs[i].native)
		req := httptest.NewRequest(http.MethodPost, "/api/v1/cases", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.RemoteAddr = "192.0.2.1:4000"
		rec := httptest.NewRecorder()
		node.Handler.ServeHTTP(rec, req)
		return rec
	}
	withKey := func(i int) url.Values {
		f := url.Values{}
		for k, v := range reqs[i].form {
			f[k] = v
		}
		f.Set("api_key", "bench-key-123456")
		return f
	}
	// One client (192.0.2.1) has a burst of 2 across both endpoints.
	anonymous := reqs[1].form // no api_key: refused (403) but counted against its IP
	got := []int{jsonCreate(0).Code, postForm(node.Handler, anonymous, "192.0.2.1:4001").Code}
	limitedAPI := jsonCreate(2)
	limitedO311 := postForm(node.Handler, reqs[3].form, "192.0.2.1:4002")
	if got[0] != 201 || got[1] != 403 || limitedAPI.Code != 429 || limitedO311.Code != 429 {
		t.Fatalf("statuses %v, %d, %d; want 201, 403, 429, 429 (%s)", got, limitedAPI.Code, limitedO311.Code, limitedO311.Body)
	}
	if limitedAPI.Header().Get("Retry-After") != "10" || limitedAPI.Header().Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(limitedAPI.Body.String(), "rate-limited") {
		t.Errorf("API 429: %v %s", limitedAPI.Header(), limitedAPI.Body)
	}
	var errs []struct {
		Code int `json:"code"`
	}
	if err := json.Unmarshal(limitedO311.Body.Bytes(), &errs); err != nil || len(errs) != 1 || errs[0].Code != 429 ||
		limitedO311.Header().Get("Retry-After") != "10" {
		t.Errorf("Open311 429: %v %s", limitedO311.Header(), limitedO311.Body)
	}
	// A valid api_key is its own client, even from the same IP.
	if rec := postForm(node.Handler, withKey(4), "192.0.2.1:4003"); rec.Code != 200 {
		t.Errorf("keyed client: %d %s", rec.Code, rec.Body)
	}
	// Reads are not limited.
	for range 5 {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, open311.Prefix+"services.json", nil)
		req.RemoteAddr = "192.0.2.1:4004"
		node.Handler.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("GET services: %d", rec.Code)
		}
	}
	// Ten seconds later the client has a token again.
	now = now.Add(10 * time.Second)
	if rec := jsonCreate(5); rec.Code != 201 {
		t.Errorf("after refill: %d %s", rec.Code, rec.Body)
	}
}
