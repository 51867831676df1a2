package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// BenchmarkCreate measures a create through the API (decoding, key checks,
// validation, hashing, masking, encoding) against the same create made
// directly on the store, and reports the ratio: the API's overhead.
func BenchmarkCreate(b *testing.B) {
	body := caseBody(nil)
	lat, lon := 30.58, 114.29
	n := cases.NewCase{Channel: cases.ChannelHotline, Title: "路灯不亮", Description: "中山大道与江汉路交叉口路灯连续三晚不亮",
		Category: testCat, Location: cases.Location{Lat: &lat, Lon: &lon}, Reporter: cases.Reporter{Phone: fullPhone}}
	// The baseline runs first, in the same process, a fixed number of times
	// (testing.Benchmark cannot nest inside a running benchmark).
	const baseRuns = 5000
	st := newFakeStore()
	start := time.Now()
	for range baseRuns {
		if _, _, err := st.Create(b.Context(), store.CreateRequest{Case: n, Actor: "a", At: t0}); err != nil {
			b.Fatal(err)
		}
	}
	baseNs := float64(time.Since(start)) / baseRuns
	h := newHarness(b, newFakeStore())
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/v1/cases", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	apiNs := float64(b.Elapsed()) / float64(b.N)
	b.ReportMetric(baseNs, "store-ns/op")
	b.ReportMetric(apiNs/baseNs, "x-store")
}
