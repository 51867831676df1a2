package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"yiwang/internal/attach"
	"yiwang/internal/cases"
	"yiwang/internal/store"
)

const testSecret = "test-lookup-secret-0123456789abcdef"

// Places in the fake geography (all in street 420106002, 武昌区杨园街道).
const (
	homeLat, homeLon = 30.5600, 114.3200
	ownGrid          = "420106002001500"
)

// fakeLocate is a small geography for the intake tests: points between
// latitude 30 and 31 and longitude 114 and 115 are in street 420106002, in
// grids 0.003° of latitude tall (about 330 m); others are outside the city.
func fakeLocate(lat, lon float64) (cases.Location, error) {
	if lat < 30 || lat > 31 || lon < 114 || lon > 115 {
		return cases.Location{}, &cases.FieldError{Field: "location", Reason: "is outside Wuhan"}
	}
	row := int(math.Floor((lat-homeLat+0.0015)/0.003)) + 500 // homeLat is mid-grid
	return cases.Location{District: "420106", Street: "420106002", Community: "420106002001",
		Grid: fmt.Sprintf("420106002001%03d", row%1000)}, nil
}

// intakeHarness is a workflow harness with attachment storage under a
// temporary directory, the fake geography and a lookup secret.
func newIntakeHarness(t testing.TB, st store.Store) (*harness, string) {
	t.Helper()
	dir := t.TempDir()
	blobs, err := attach.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := attach.New(attach.Options{Blobs: blobs, MaxBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	wf, clk := demoWorkflow(t, st)
	h := newHarness(t, st, func(o *Options) {
		o.Workflow, o.Now = wf, clk.Now
		o.Attachments, o.Locate, o.LookupSecret = svc, fakeLocate, []byte(testSecret)
	})
	return h, dir
}

// files lists the files under dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// part is one part of a multipart body.
type part struct {
	name string
	data []byte
}

// multipartBody builds a multipart/form-data body of the parts.
func multipartBody(t *testing.T, parts ...part) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i, p := range parts {
		var w interface{ Write([]byte) (int, error) }
		var err error
		if p.name == "report" {
			w, err = mw.CreateFormField(p.name)
		} else {
			w, err = mw.CreateFormFile(p.name, fmt.Sprintf("IMG_%d.jpg", i))
		}
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), &buf
}

// report is a valid grid report as JSON, modified by edit.
func report(edit func(map[string]any)) []byte {
	m := map[string]any{
		"title": "井盖缺失", "description": "人行道井盖缺失，有坠落风险", "category": testCat,
		"inspector": "wgy-0427", "grid": ownGrid,
	}
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// postGrid posts a grid report.
func (h *harness) postGrid(parts ...part) *httptest.ResponseRecorder {
	h.t.Helper()
	ct, body := multipartBody(h.t.(*testing.T), parts...)
	req := httptest.NewRequest("POST", "/api/v1/grid/reports", body)
	req.Header.Set("Content-Type", ct)
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, req)
	return rec
}
