package api

import (
	"net/http"
	"strings"
	"testing"

	"yiwang/internal/store"
)

// TestMasking checks every response that carries a reporter: without a
// reveal token the full phone and e-mail never appear; with one they do.
func TestMasking(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h := newHarness(t, st)
		c := h.create(nil)
		h.transition(c.ID, `{"action":"dispatch","actor":"d","payload":{"unit":"u1"}}`)
		note := `{"action":"note","actor":"d","note":"回电"}`
		requests := []struct {
			name, method, path, body string
		}{
			{"create", "POST", "/api/v1/cases", caseBody(nil)},
			{"get", "GET", "/api/v1/cases/" + c.ID, ""},
			{"list", "GET", "/api/v1/cases", ""},
			{"history", "GET", "/api/v1/cases/" + c.ID + "/history", ""},
			{"transition", "POST", "/api/v1/cases/" + c.ID + "/transitions", note},
		}
		auths := []struct {
			name, header string
			reveal       bool
		}{
			{"no token", "", false},
			{"wrong token", "Bearer not-the-reveal-token-xx", false},
			{"token without scheme", revealToken, false},
			{"reveal token", "Bearer " + revealToken, true},
			{"reveal token, lower-case scheme", "bearer " + revealToken, true},
		}
		for _, rq := range requests {
			for _, a := range auths {
				t.Run(rq.name+"/"+a.name, func(t *testing.T) {
					rec := h.do(rq.method, rq.path, rq.body, "Authorization", a.header)
					if rec.Code != http.StatusOK && rec.Code != http.StatusCreated {
						t.Fatalf("%d %s", rec.Code, rec.Body)
					}
					body := rec.Body.String()
					hasFull := strings.Contains(body, fullPhone) || strings.Contains(body, "zhangsan@example.com")
					hasMasked := strings.Contains(body, maskedPhone) && strings.Contains(body, "z*******@example.com")
					if rq.name == "transition" {
						// The response's event is a note, without a reporter; the case has one.
						hasMasked = strings.Contains(body, maskedPhone)
					}
					if a.reveal && (!hasFull || strings.Contains(body, maskedPhone)) {
						t.Errorf("reveal token: body lacks the full contact details: %s", body)
					}
					if !a.reveal && (hasFull || !hasMasked) {
						t.Errorf("no reveal: body shows full contact details or lacks the masked ones: %s", body)
					}
					if !strings.Contains(rec.Header().Get("Vary"), "Authorization") {
						t.Errorf("Vary = %q, want Authorization", rec.Header().Get("Vary"))
					}
				})
			}
		}
		// Masking must not have touched what is stored.
		events, err := st.History(t.Context(), c.ID)
		if err != nil || events[0].Payload.Case.Reporter.Phone != fullPhone {
			t.Fatalf("stored reporter changed: %+v %v", events, err)
		}
	})
}
