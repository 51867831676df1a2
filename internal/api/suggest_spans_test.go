package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"yiwang/internal/demo"
	"yiwang/internal/nlp/text"
	"yiwang/internal/workflow"
)

// TestSuggestTermsAreSpans: for real messages of the embedded data, every
// term /suggest shows is a span of two to text.MaxSpanRunes characters of
// the message's normalised text — no class mark, no lone character unless
// a weak candidate has nothing else — and some are longer than any gram
// the classifier reads (merged grams).
func TestSuggestTermsAreSpans(t *testing.T) {
	h, _ := newSuggestHarness(t)
	msgs, err := demo.Messages()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{"6": true, "8046": true, "25871": true, "43199": true, "108736": true}
	merged, seen := 0, 0
	for _, m := range msgs {
		if !ids[m.ID] {
			continue
		}
		seen++
		req, err := json.Marshal(suggestRequest{Title: m.Title, Body: m.Body})
		if err != nil {
			t.Fatal(err)
		}
		rec := h.do("POST", "/api/v1/suggest", string(req))
		if rec.Code != http.StatusOK {
			t.Fatalf("message %s: %d %s", m.ID, rec.Code, rec.Body)
		}
		got := decode[suggestResponse](t, rec)
		if len(got.Categories) == 0 || len(got.Categories[0].Terms) == 0 {
			t.Fatalf("message %s: no terms for the top category: %+v", m.ID, got.Categories)
		}
		norm := string(workflow.MessageText(strings.TrimSpace(m.Title), strings.TrimSpace(m.Body)))
		for i, c := range got.Categories {
			if len(c.Terms) > workflow.MaxShownTerms {
				t.Errorf("message %s, %s: %d terms %q", m.ID, c.Category, len(c.Terms), c.Terms)
			}
			// A weak candidate whose grams are all single characters
			// shows them; the top one has words.
			minRunes := 2
			if i > 0 && !slices.ContainsFunc(c.Terms, func(s string) bool { return utf8.RuneCountInString(s) > 1 }) {
				minRunes = 1
			}
			for _, term := range c.Terms {
				n := utf8.RuneCountInString(term)
				if n < minRunes || n > text.MaxSpanRunes || !strings.Contains(norm, term) || strings.ContainsAny(term, "<>\ue000\ue001\ue002\ue003") {
					t.Errorf("message %s, %s: term %q is not a span of %d–%d characters of the message", m.ID, c.Category, term, minRunes, text.MaxSpanRunes)
				}
				if n > 3 {
					merged++
				}
			}
		}
		t.Logf("message %s %q: %+v", m.ID, m.Title, got.Categories)
	}
	if seen != len(ids) {
		t.Fatalf("found %d of the %d messages", seen, len(ids))
	}
	if merged == 0 {
		t.Error("no term longer than a gram: grams were not merged")
	}
}
