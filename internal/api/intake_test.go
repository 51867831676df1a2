package api

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"yiwang/internal/attach"
	"yiwang/internal/attach/attachtest"
	"yiwang/internal/cases"
	"yiwang/internal/store"
)

func hotlineBody(edit func(map[string]any)) string {
	return caseBody(func(m map[string]any) {
		delete(m, "channel")
		m["location"] = map[string]any{"lat": homeLat, "lon": homeLon, "address": "武昌区 杨园街 1号"}
		if edit != nil {
			edit(m)
		}
	})
}

func TestHotlineCreate(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h, _ := newIntakeHarness(t, st)
		rec := h.do("POST", "/api/v1/hotline/cases", hotlineBody(func(m map[string]any) {
			m["reporter"] = map[string]any{"name": "张三", "phone": "138-1234 5678"}
		}))
		if rec.Code != http.StatusCreated {
			t.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		v := decode[caseView](t, rec)
		if v.Channel != cases.ChannelHotline || v.Reporter.Phone != maskedPhone || v.LookupToken != "" {
			t.Fatalf("response: channel %s phone %q token %q", v.Channel, v.Reporter.Phone, v.LookupToken)
		}
		if v.Location.Grid == "" || v.State != cases.StateDispatched {
			t.Fatalf("not located or not dispatched: %+v %s", v.Location, v.State)
		}
		stored, err := st.Get(t.Context(), v.ID)
		if err != nil || stored.Reporter.Phone != fullPhone {
			t.Fatalf("stored phone %q, %v; want the full, normalised number", stored.Reporter.Phone, err)
		}
		for _, tc := range []struct {
			name, body, typ, field string
			status                 int
		}{
			{"no phone", hotlineBody(func(m map[string]any) { m["reporter"] = map[string]any{"name": "张三"} }), ProblemInvalidField, "reporter.phone", 422},
			{"not a phone", hotlineBody(func(m map[string]any) { m["reporter"] = map[string]any{"phone": "call me"} }), ProblemInvalidField, "reporter.phone", 422},
			{"no agent", hotlineBody(func(m map[string]any) { delete(m, "actor") }), ProblemInvalidField, "actor", 422},
			{"channel given", hotlineBody(func(m map[string]any) { m["channel"] = "web" }), ProblemUnknownField, "channel", 400},
			{"unknown category", hotlineBody(func(m map[string]any) { m["category"] = "99" }), ProblemUnknownCategory, "category", 422},
			{"outside the city", hotlineBody(func(m map[string]any) { m["location"] = map[string]any{"lat": 39.9, "lon": 116.4} }), ProblemInvalidField, "location", 422},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, h.do("POST", "/api/v1/hotline/cases", tc.body), tc.status, tc.typ, tc.field)
			})
		}
		if n := len(h.all()); n != 1 {
			t.Fatalf("%d cases stored, want 1: refused requests must store nothing", n)
		}
	})
}

func TestHotlineContextAndCalls(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h, _ := newIntakeHarness(t, st)
		mk := func(phone string, lat, lon float64, addr string) cases.Case {
			rec := h.do("POST", "/api/v1/hotline/cases", hotlineBody(func(m map[string]any) {
				m["reporter"] = map[string]any{"phone": phone}
				m["location"] = map[string]any{"lat": lat, "lon": lon, "address": addr}
			}))
			if rec.Code != http.StatusCreated {
				t.Fatalf("create: %d %s", rec.Code, rec.Body)
			}
			return decode[cases.Case](t, rec)
		}
		mine := mk(fullPhone, homeLat, homeLon, "杨园街1号")
		near := mk("13900000000", homeLat+0.001, homeLon, "杨园街3号")           // ~110 m north, same grid
		far := mk("13900000001", homeLat+0.02, homeLon+0.02, "和平大道 99号")     // ~2.9 km
		sameAddr := mk("13900000002", homeLat+0.03, homeLon-0.03, "杨园街 5 号") // far, same address as asked below
		_ = far

		rec := h.do("GET", "/api/v1/hotline/context?phone=138+1234+5678", "")
		if rec.Code != http.StatusOK {
			t.Fatalf("context: %d %s", rec.Code, rec.Body)
		}
		ctx := decode[hotlineContext](t, rec)
		if len(ctx.PhoneCases) != 1 || ctx.PhoneCases[0].ID != mine.ID || ctx.PhoneCases[0].Reporter.Phone != maskedPhone {
			t.Fatalf("phone cases = %+v", ctx.PhoneCases)
		}

		rec = h.do("GET", "/api/v1/hotline/context?lat=30.5601&lon=114.3200", "")
		ctx = decode[hotlineContext](t, rec)
		got := map[string]nearbyCase{}
		for _, n := range ctx.Nearby {
			got[n.Case.ID] = n
		}
		if len(got) != 2 || got[mine.ID].DistanceM == nil || !got[near.ID].SameGrid || ctx.Location == nil || ctx.Location.Grid == "" {
			t.Fatalf("nearby = %+v", ctx.Nearby)
		}
		if ctx.Nearby[0].Case.ID != mine.ID || *ctx.Nearby[0].DistanceM > 20 {
			t.Fatalf("nearest first: %+v", ctx.Nearby[0])
		}

		rec = h.do("GET", "/api/v1/hotline/context?address=杨园街5号", "")
		ctx = decode[hotlineContext](t, rec)
		if len(ctx.Nearby) != 1 || ctx.Nearby[0].Case.ID != sameAddr.ID || !ctx.Nearby[0].SameAddress {
			t.Fatalf("by address = %+v", ctx.Nearby)
		}

		for _, q := range []string{"", "?phone=abc", "?lat=30.5", "?lat=x&lon=114", "?lat=95&lon=114", "?zone=1", "?phone=1&phone=2"} {
			if rec := h.do("GET", "/api/v1/hotline/context"+q, ""); rec.Code != http.StatusBadRequest {
				t.Errorf("context%s: %d, want 400", q, rec.Code)
			}
		}

		// The agent attaches a new call to the nearby case instead of creating one.
		before := len(h.all())
		rec = h.do("POST", "/api/v1/cases/"+near.ID+"/calls",
			`{"caller":{"name":"李四","phone":"13712345678"},"note":"又来电催办，井盖仍未盖好","actor":"agent-007"}`)
		if rec.Code != http.StatusOK {
			t.Fatalf("call: %d %s", rec.Code, rec.Body)
		}
		res := decode[transitionResponse](t, rec)
		if res.Event.Action != cases.ActionNote || !strings.Contains(res.Event.Note, "137****5678 李四") || strings.Contains(res.Event.Note, "13712345678") {
			t.Fatalf("call event note = %q", res.Event.Note)
		}
		if len(h.all()) != before {
			t.Fatal("recording a call created a case")
		}
		hist := h.do("GET", "/api/v1/cases/"+near.ID+"/history", "").Body.String()
		if strings.Contains(hist, "13712345678") || !strings.Contains(hist, "137****5678") {
			t.Fatal("the caller's phone is not masked in the history")
		}
		if full := h.do("GET", "/api/v1/cases/"+near.ID+"/history", "", "Authorization", "Bearer "+revealToken).Body.String(); !strings.Contains(full, "13712345678") {
			t.Fatal("a reveal token does not show the caller's phone")
		}
		version := res.Case.Version
		for _, tc := range []struct{ name, path, body, field string }{
			{"no phone", "/api/v1/cases/" + near.ID + "/calls", `{"caller":{"name":"李四"},"note":"x","actor":"a"}`, "caller.phone"},
			{"no note", "/api/v1/cases/" + near.ID + "/calls", `{"caller":{"phone":"13712345678"},"note":" ","actor":"a"}`, "note"},
			{"no actor", "/api/v1/cases/" + near.ID + "/calls", `{"caller":{"phone":"13712345678"},"note":"x"}`, "actor"},
			{"email", "/api/v1/cases/" + near.ID + "/calls", `{"caller":{"phone":"13712345678","email":"a@b.c"},"note":"x","actor":"a"}`, "caller"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, h.do("POST", tc.path, tc.body), 422, ProblemInvalidField, tc.field)
			})
		}
		wantProblem(t, h.do("POST", "/api/v1/cases/WH-nope/calls", `{"caller":{"phone":"13712345678"},"note":"x","actor":"a"}`), 404, ProblemNotFound, "")
		if c, _ := st.Get(t.Context(), near.ID); c.Version != version {
			t.Fatalf("refused calls changed the case: version %d, want %d", c.Version, version)
		}
	})
}

func TestAttachmentRoute(t *testing.T) {
	h, dir := newIntakeHarness(t, newFakeStore())
	blobs, _ := attach.NewDir(dir)
	svc, _ := attach.New(attach.Options{Blobs: blobs})
	p, err := svc.Put(t.Context(), attachtest.JPEGWithGPS(8, 8, 30.5, 114.3))
	if err != nil {
		t.Fatal(err)
	}
	rec := h.do("GET", "/api/v1/attachments/"+p.SHA256, "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/jpeg" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("get: %d %v", rec.Code, rec.Header())
	}
	if !bytes.Equal(rec.Body.Bytes(), p.Data) || bytes.Contains(rec.Body.Bytes(), []byte("Exif")) {
		t.Fatal("served bytes are not the stripped copy")
	}
	for _, sum := range []string{strings.Repeat("0", 64), "nothex", strings.ToUpper(p.SHA256)} {
		wantProblem(t, h.do("GET", "/api/v1/attachments/"+sum, ""), 404, ProblemNotFound, "")
	}
	bare := newHarness(t, newFakeStore())
	wantProblem(t, bare.do("GET", "/api/v1/attachments/"+p.SHA256, ""), 404, ProblemNotFound, "")
}
