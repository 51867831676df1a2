package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"yiwang/internal/attach/attachtest"
	"yiwang/internal/cases"
)

// FuzzPhoneAndCallNote: normPhone yields "" or 5-20 digits (with an
// optional leading +), and a call note never shows a normalised number
// unmasked.
func FuzzPhoneAndCallNote(f *testing.F) {
	for _, s := range []string{"138 1234 5678", "+86-138-1234-5678", "(027) 8765.4321", "１３８", "", "++1"} {
		f.Add(s, "张三")
	}
	f.Fuzz(func(t *testing.T, phone, name string) {
		n := normPhone(phone)
		if n == "" {
			return
		}
		digits := strings.TrimPrefix(n, "+")
		if len(digits) < 5 || len(digits) > 20 || strings.Trim(digits, "0123456789") != "" {
			t.Fatalf("normPhone(%q) = %q", phone, n)
		}
		if normPhone(n) != n || !samePhone(phone, n) {
			t.Fatalf("normPhone is not stable on %q", n)
		}
		masked := maskCallNote(callNote(caseReporter(n, name), "x"))
		if len(digits) >= 8 && strings.Contains(masked, n) {
			t.Fatalf("masked note %q shows %q", masked, n)
		}
	})
}

// FuzzGridReportPart: whatever the report part holds, the grid route
// answers a problem or a created case, never a server error.
func FuzzGridReportPart(f *testing.F) {
	f.Add(report(nil))
	f.Add(report(func(m map[string]any) { m["fixed_on_site"] = true }))
	f.Add([]byte(`{"title":1}`))
	f.Add([]byte("\xff"))
	h, _ := newIntakeHarness(f, newFakeStore())
	photo := attachtest.JPEGWithGPS(8, 8, homeLat, homeLon)
	f.Fuzz(func(t *testing.T, rep []byte) {
		h.t = t
		ct, body := multipartBody(t, part{"report", rep}, part{"photo", photo})
		req := httptest.NewRequest("POST", "/api/v1/grid/reports", body)
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		h.srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%d %s for report %q", rec.Code, rec.Body, rep)
		}
	})
}

func caseReporter(phone, name string) cases.Reporter { return cases.Reporter{Phone: phone, Name: name} }
