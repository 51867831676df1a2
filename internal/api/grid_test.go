package api

import (
	"bytes"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"

	"yiwang/internal/attach"
	"yiwang/internal/attach/attachtest"
	"yiwang/internal/cases"
	"yiwang/internal/store"
)

func TestGridReportPositionFromPhoto(t *testing.T) {
	h, dir := newIntakeHarness(t, newFakeStore())
	photo := attachtest.JPEGWithGPS(32, 24, homeLat, homeLon)
	rec := h.postGrid(part{"report", report(nil)}, part{"photo", photo}, part{"photo", attachtest.PNG(8, 8)})
	if rec.Code != http.StatusCreated {
		t.Fatalf("report: %d %s", rec.Code, rec.Body)
	}
	res := decode[gridReportResponse](t, rec)
	c := res.Case
	if res.PositionFrom != "photo_exif" || c.Location.Lat == nil || math.Abs(*c.Location.Lat-homeLat) > 1e-6 || c.Channel != cases.ChannelGrid {
		t.Fatalf("position: from %q, location %+v", res.PositionFrom, c.Location)
	}
	if res.OutsideOwnGrid || slices.Contains(c.Tags, TagOutsideOwnGrid) || c.Location.Grid != ownGrid {
		t.Fatalf("inside own grid reported outside: %+v %v", c.Location, c.Tags)
	}
	if len(c.Attachments) != 2 || c.Attachments[0].Type != attach.TypeJPEG || c.Attachments[1].Type != attach.TypePNG {
		t.Fatalf("attachments = %+v", c.Attachments)
	}
	if len(files(t, dir)) != 2 {
		t.Fatalf("stored files: %v", files(t, dir))
	}
	got := h.do("GET", c.Attachments[0].URL, "")
	if got.Code != http.StatusOK || bytes.Contains(got.Body.Bytes(), []byte("Exif\x00\x00")) || attach.Sum(got.Body.Bytes()) != c.Attachments[0].SHA256 {
		t.Fatal("the stored photo still has its Exif, or does not match its hash")
	}

	// Elsewhere than the inspector's own grid: accepted, flagged.
	rec = h.postGrid(part{"report", report(func(m map[string]any) {
		m["location"] = map[string]any{"lat": homeLat + 0.01, "lon": homeLon}
	})})
	res = decode[gridReportResponse](t, rec)
	if rec.Code != http.StatusCreated || !res.OutsideOwnGrid || !slices.Contains(res.Case.Tags, TagOutsideOwnGrid) || res.PositionFrom != "form" {
		t.Fatalf("outside own grid: %d %+v", rec.Code, res)
	}
}

func TestGridReportRefusals(t *testing.T) {
	h, dir := newIntakeHarness(t, newFakeStore())
	good := attachtest.JPEGWithGPS(8, 8, homeLat, homeLon)
	elf := append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 200)...)
	big := attachtest.WithAPP1(attachtest.JPEG(8, 8), bytes.Repeat([]byte("x"), 65000)) // over the 64 KiB limit
	for _, tc := range []struct {
		name   string
		parts  []part
		status int
		typ    string
		field  string
	}{
		{"executable named .jpg", []part{{"report", report(nil)}, {"photo", good}, {"photo", elf}}, 422, ProblemInvalidAttachment, "photo[1]"},
		{"photo too large", []part{{"report", report(nil)}, {"photo", append(big, big...)}}, 413, ProblemBodyTooLarge, "photo"},
		{"no position", []part{{"report", report(nil)}, {"photo", attachtest.JPEG(8, 8)}}, 422, ProblemInvalidField, "location"},
		{"no report", []part{{"photo", good}}, 422, ProblemInvalidField, "report"},
		{"two reports", []part{{"report", report(nil)}, {"report", report(nil)}}, 400, ProblemDuplicateField, "report"},
		{"unknown part", []part{{"report", report(nil)}, {"video", good}}, 400, ProblemUnknownField, "video"},
		{"unknown report field", []part{{"report", report(func(m map[string]any) { m["channel"] = "web" })}, {"photo", good}}, 400, ProblemUnknownField, "channel"},
		{"bad grid", []part{{"report", report(func(m map[string]any) { m["grid"] = "42010" })}, {"photo", good}}, 422, ProblemInvalidField, "grid"},
		{"no inspector", []part{{"report", report(func(m map[string]any) { delete(m, "inspector") })}, {"photo", good}}, 422, ProblemInvalidField, "inspector"},
		{"fixed without after photo", []part{{"report", report(func(m map[string]any) { m["fixed_on_site"] = true })}, {"photo", good}}, 422, ProblemInvalidField, "after_photo"},
		{"after photo not fixed", []part{{"report", report(nil)}, {"photo", good}, {"after_photo", good}}, 422, ProblemInvalidField, "after_photo"},
		{"bad category", []part{{"report", report(func(m map[string]any) { m["category"] = "99" })}, {"photo", good}}, 422, ProblemUnknownCategory, "category"},
		{"outside the city", []part{{"report", report(func(m map[string]any) { m["location"] = map[string]any{"lat": 39.9, "lon": 116.4} })}, {"photo", good}}, 422, ProblemInvalidField, "location"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantProblem(t, h.postGrid(tc.parts...), tc.status, tc.typ, tc.field)
		})
	}
	rec := h.do("POST", "/api/v1/grid/reports", string(report(nil)))
	wantProblem(t, rec, 415, ProblemUnsupportedMediaType, "Content-Type")
	if n := len(h.all()); n != 0 {
		t.Fatalf("%d cases stored by refused reports", n)
	}
	if f := files(t, dir); len(f) != 0 {
		t.Fatalf("refused reports stored files: %v", f)
	}
	bare := newHarness(t, newFakeStore())
	wantProblem(t, bare.postGrid(part{"report", report(nil)}), 404, ProblemNotFound, "")
}

// TestGridFixedOnSite: 随手办 closes the case at once, every step by the
// inspector, through the workflow.
func TestGridFixedOnSite(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h, _ := newIntakeHarness(t, st)
		after := attachtest.JPEG(16, 16)
		rec := h.postGrid(part{"report", report(func(m map[string]any) {
			m["fixed_on_site"] = true
			m["reply"] = "已临时加盖并设置警示"
			m["location"] = map[string]any{"lat": homeLat, "lon": homeLon}
		})}, part{"photo", attachtest.JPEG(8, 8)}, part{"after_photo", after})
		if rec.Code != http.StatusCreated {
			t.Fatalf("report: %d %s", rec.Code, rec.Body)
		}
		res := decode[gridReportResponse](t, rec)
		c := res.Case
		if !res.FixedOnSite || c.State != cases.StateClosed || c.Unit != "jiedao.420106002" || c.Reply != "已临时加盖并设置警示" {
			t.Fatalf("case = state %s unit %s reply %q", c.State, c.Unit, c.Reply)
		}
		if !slices.Contains(c.Tags, TagFixedOnSite) || c.Attachments[len(c.Attachments)-1].Name != "处置后照片" {
			t.Fatalf("tags %v attachments %+v", c.Tags, c.Attachments)
		}
		events, err := st.History(t.Context(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var byInspector []cases.Action
		for _, e := range events {
			if e.Actor == "wgy-0427" {
				byInspector = append(byInspector, e.Action)
			}
			if e.Action == cases.ActionResolve && !strings.Contains(e.Note, attach.Sum(after)) {
				t.Errorf("resolve note %q does not point at the after-photo", e.Note)
			}
		}
		want := []cases.Action{cases.ActionCreate, cases.ActionAccept, cases.ActionResolve, cases.ActionClose}
		if auto := events[1]; auto.Action == cases.ActionDispatch && auto.Payload.Unit != "jiedao.420106002" {
			// The responsibility list sent it elsewhere: the inspector
			// reassigns it to the street first.
			want = slices.Insert(want, 1, cases.ActionReassign)
		}
		if !slices.Equal(byInspector, want) {
			t.Fatalf("inspector's events = %v, want %v", byInspector, want)
		}
	})
}
