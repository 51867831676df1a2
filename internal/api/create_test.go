package api

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

func TestCreateAndGet(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h := newHarness(t, st)
		rec := h.do("POST", "/api/v1/cases", caseBody(nil))
		if rec.Code != http.StatusCreated {
			t.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		c := decode[cases.Case](t, rec)
		if c.ID == "" || c.State != cases.StateReceived || c.Version != 1 || c.Severity != cases.SeverityNormal ||
			c.Title != "路灯不亮" || c.Category != testCat || c.Location.Lat == nil || *c.Location.Lat != 30.58 {
			t.Fatalf("created case = %+v", c)
		}
		if !c.CreatedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("created_at = %v, want the injected clock's %v", c.CreatedAt, t0.Add(time.Minute))
		}
		if got, want := rec.Header().Get("Location"), "/api/v1/cases/"+c.ID; got != want {
			t.Errorf("Location = %q, want %q", got, want)
		}
		if got := rec.Header().Get("ETag"); got != `"1"` {
			t.Errorf("ETag = %q, want \"1\"", got)
		}

		rec = h.do("GET", "/api/v1/cases/"+c.ID, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("get: %d %s", rec.Code, rec.Body)
		}
		got := decode[cases.Case](t, rec)
		if got.ID != c.ID || got.Title != c.Title || got.Version != 1 || got.Reporter.Phone != maskedPhone {
			t.Fatalf("get = %+v, want the created case with a masked phone", got)
		}
		events, err := st.History(t.Context(), c.ID)
		if err != nil || len(events) != 1 || events[0].Actor != "agent-007" || events[0].Unit != "12345" {
			t.Fatalf("history = %+v, %v; want one create event by agent-007 of 12345", events, err)
		}
		if events[0].Payload.Case.Reporter.Phone != fullPhone {
			t.Errorf("stored phone = %q, want it stored in full", events[0].Payload.Case.Reporter.Phone)
		}

		wantProblem(t, h.do("GET", "/api/v1/cases/WH-nope", ""), 404, ProblemNotFound, "")
		wantProblem(t, h.do("GET", "/api/v1/cases/"+strings.Repeat("x", 200), ""), 404, ProblemNotFound, "")
	})
}

func TestCreateDefaultsActor(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h := newHarness(t, st)
		c := h.create(func(m map[string]any) { delete(m, "actor"); delete(m, "actor_unit") })
		events, err := st.History(t.Context(), c.ID)
		if err != nil || events[0].Actor != defaultActor {
			t.Fatalf("history = %+v, %v; want actor %q", events, err, defaultActor)
		}
	})
}

func TestCreateIdempotent(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h := newHarness(t, st)
		const key = "intake-2026-11-23-0001"
		first := h.do("POST", "/api/v1/cases", caseBody(nil), "Idempotency-Key", key)
		if first.Code != http.StatusCreated {
			t.Fatalf("first: %d %s", first.Code, first.Body)
		}
		c1 := decode[cases.Case](t, first)

		// The same request with other white space and key order is the same request.
		same := " {\"title\": \"  路灯不亮 \", " + caseBody(func(m map[string]any) { delete(m, "title") })[1:] + "\n"
		again := h.do("POST", "/api/v1/cases", same, "Idempotency-Key", key)
		if again.Code != http.StatusOK {
			t.Fatalf("retry: %d %s", again.Code, again.Body)
		}
		c2 := decode[cases.Case](t, again)
		if c2.ID != c1.ID || c2.Version != 1 || again.Header().Get("Location") != "/api/v1/cases/"+c1.ID {
			t.Fatalf("retry returned %+v, want case %s", c2, c1.ID)
		}

		changed := caseBody(func(m map[string]any) { m["title"] = "路灯闪烁" })
		p := wantProblem(t, h.do("POST", "/api/v1/cases", changed, "Idempotency-Key", key), 409, ProblemIdempotencyConflict, "Idempotency-Key")
		if !strings.Contains(p.Detail, "different request body") {
			t.Errorf("detail = %q", p.Detail)
		}
		if all := h.all(); len(all) != 1 {
			t.Fatalf("%d cases stored, want 1", len(all))
		}

		// Without a key, the same body makes a second case.
		h.create(nil)
		if all := h.all(); len(all) != 2 {
			t.Fatalf("%d cases stored, want 2", len(all))
		}
	})
}

func TestLocateFillsChain(t *testing.T) {
	errOutside := errors.New("point outside Wuhan")
	locate := func(lat, lon float64) (cases.Location, error) {
		if lat > 40 {
			return cases.Location{}, errOutside
		}
		return cases.Location{District: "420103", Street: "420103001", Community: "420103001001", Grid: "G-1"}, nil
	}
	forEachStore(t, func(t *testing.T, st store.Store) {
		h := newHarness(t, st, func(o *Options) { o.Locate = locate })
		c := h.create(func(m map[string]any) {
			m["location"] = map[string]any{"lat": 30.58, "lon": 114.29, "district": "client-guess"}
		})
		if l := c.Location; l.District != "420103" || l.Street != "420103001" || l.Community != "420103001001" || l.Grid != "G-1" {
			t.Errorf("location = %+v, want the chain from Locate", l)
		}
		far := h.create(func(m map[string]any) { m["location"] = map[string]any{"lat": 45.0, "lon": 114.29} })
		if far.Location.District != "" {
			t.Errorf("location = %+v, want no chain when Locate fails", far.Location)
		}
		if !strings.Contains(h.logged(), "point outside Wuhan") {
			t.Errorf("log %q does not mention the Locate error", h.logged())
		}
		noPoint := h.create(func(m map[string]any) { m["location"] = map[string]any{"address": "汉口"} })
		if noPoint.Location.District != "" {
			t.Errorf("location = %+v, want Locate skipped without coordinates", noPoint.Location)
		}
	})
}
