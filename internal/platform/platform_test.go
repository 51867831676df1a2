package platform

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"yiwang/internal/ratelimit"
	"yiwang/internal/store"
)

func openTestNode(t *testing.T) *Node {
	t.Helper()
	n, err := Open(context.Background(), Options{
		DB:     "sqlite:" + filepath.Join(t.TempDir(), "t.db"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func post(t *testing.T, h http.Handler, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/cases", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("response is not JSON: %s", rec.Body)
	}
	return rec.Code, out
}

// TestCreateFillsChainAndRefusesOutside checks the node's wiring: a point in
// Wuhan gets its administrative chain from geography; a point outside the
// city is refused on the location field, and nothing is stored.
func TestCreateFillsChainAndRefusesOutside(t *testing.T) {
	n := openTestNode(t)
	code, c := post(t, asAdmin(t, n), `{"channel":"hotline","title":"路灯不亮","category":"01","location":{"lat":30.5431,"lon":114.3160}}`)
	if code != http.StatusCreated {
		t.Fatalf("create in Wuhan: %d %v", code, c)
	}
	loc := c["location"].(map[string]any)
	if loc["district"] != "420106" || !strings.HasPrefix(loc["grid"].(string), loc["street"].(string)) {
		t.Errorf("chain = %v, want district 420106 (武昌区) and a grid under its street", loc)
	}
	code, p := post(t, asAdmin(t, n), `{"channel":"hotline","title":"北京的路灯","category":"01","location":{"lat":39.9,"lon":116.4}}`)
	if code != http.StatusUnprocessableEntity || p["field"] != "location" || !strings.Contains(p["detail"].(string), "outside Wuhan") {
		t.Fatalf("create outside Wuhan: %d %v", code, p)
	}
	page, err := n.Store.List(context.Background(), storeFilterAll())
	if err != nil || len(page.Cases) != 1 {
		t.Fatalf("store has %d cases (err %v), want 1", len(page.Cases), err)
	}
}

func TestConsoleAndAPIShareTheMux(t *testing.T) {
	n := openTestNode(t)
	for path, want := range map[string]string{"/": "一网", "/openapi.json": "openapi", "/healthz": "status"} {
		rec := httptest.NewRecorder()
		n.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("GET %s = %d, body lacks %q", path, rec.Code, want)
		}
	}
}

func storeFilterAll() store.Filter { return store.Filter{Limit: 10} }

// TestCreateIsDispatched checks that the node's API creates cases through
// the workflow: a case in 武昌区 is dispatched by the demo list, with clocks.
func TestCreateIsDispatched(t *testing.T) {
	n := openTestNode(t)
	code, c := post(t, asAdmin(t, n), `{"channel":"hotline","title":"路灯不亮","category":"01","location":{"lat":30.5431,"lon":114.3160}}`)
	if code != http.StatusCreated || c["state"] != "dispatched" || c["rule_id"] == "" || c["unit"] == "" {
		t.Fatalf("create: %d state %v rule %v unit %v", code, c["state"], c["rule_id"], c["unit"])
	}
	if clocks, _ := c["clocks"].([]any); len(clocks) == 0 {
		t.Errorf("clocks = %v, want the running deadlines", c["clocks"])
	}
	if n.Workflow.Engine() != n.Dispatch {
		t.Errorf("the workflow does not serve the node's built-in list")
	}
}

// TestRateLimitsCoverEveryWayIn checks that each create endpoint and the
// public look-up answer 429 with Retry-After once a client's bucket is empty.
func TestRateLimitsCoverEveryWayIn(t *testing.T) {
	n, err := Open(context.Background(), Options{
		DB:        "sqlite:" + filepath.Join(t.TempDir(), "t.db"),
		Logger:    slog.New(slog.DiscardHandler),
		RateLimit: ratelimit.Config{Rate: 0.001, Burst: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	for _, tt := range []struct{ method, path string }{
		{"POST", "/api/v1/cases"}, {"POST", "/api/v1/hotline/cases"}, {"POST", "/api/v1/grid/reports"},
		{"POST", "/api/v1/enterprise/requests"}, {"GET", "/api/v1/public/cases/WH-20261123-000001?phone=1"},
		{"POST", "/open311/v2/requests.json"},
	} {
		codes := []int{}
		for range 2 {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader("{}"))
			req.RemoteAddr = "192.0.2.7:5555"
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			asAdmin(t, n).ServeHTTP(rec, req)
			codes = append(codes, rec.Code)
			if rec.Code == http.StatusTooManyRequests && rec.Header().Get("Retry-After") == "" {
				t.Errorf("%s %s: 429 without Retry-After", tt.method, tt.path)
			}
		}
		// One bucket per client across paths: after its first request the
		// client is limited everywhere.
		if codes[1] != http.StatusTooManyRequests {
			t.Errorf("%s %s: second request got %d, want 429", tt.method, tt.path, codes[1])
		}
	}
}

// TestClassifierSuggestsOnceTrained opens a node with the classifier on:
// it trains in the background, and then suggests a category for a message.
func TestClassifierSuggestsOnceTrained(t *testing.T) {
	n, err := Open(context.Background(), Options{
		DB: "sqlite:" + filepath.Join(t.TempDir(), "t.db"), Logger: slog.New(slog.DiscardHandler), Classifier: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	<-n.Trained() // the test's own -timeout bounds a training that hangs
	got, ready := n.Workflow.Suggest("学校乱收费", "孩子所在的小学要求家长缴纳补课费和资料费，请教育部门查处")
	if !ready {
		t.Fatal("training ended without a classifier in force")
	}
	if len(got) == 0 || got[0].Category != "14" {
		t.Fatalf("suggestions = %+v, want 教育文体 (14) first", got)
	}
}
