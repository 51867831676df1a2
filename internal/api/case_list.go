package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/store"
)

// MaxListLimit is the largest page GET /api/v1/cases returns.
const MaxListLimit = 1000

// listResponse is the body of GET /api/v1/cases.
type listResponse struct {
	Cases      []caseView `json:"cases"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

func (s *Server) listCases(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query(), s.tax, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.restrict(r.Context(), &f)
	page, err := s.store.List(r.Context(), f)
	var fe *cases.FieldError
	if errors.As(err, &fe) {
		// The store refuses cursors it did not issue.
		s.fail(w, r, badParam(fe.Field, fe.Field+" "+fe.Reason))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reveal := s.mayReveal(r)
	out := listResponse{Cases: make([]caseView, len(page.Cases)), NextCursor: page.Next}
	now := s.now()
	for i, c := range page.Cases {
		out.Cases[i] = s.viewCaseAt(c, reveal, now)
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

func badParam(name, detail string) *Problem {
	return newProblem(ProblemInvalidParameter, http.StatusBadRequest, name, detail)
}

var listParams = []string{"state", "channel", "category", "unit", "area", "created_from", "created_to", "q", "queue", "parent", "overdue", "open_summons", "sort", "cursor", "limit"}

// Queues are named list filters: the dispatchers' work lists.
var queues = map[string]store.Filter{
	// low_confidence: cases the classifier could not categorise
	// confidently, waiting for a dispatcher with its suggestions
	// attached (cases.Case.Queue and Suggestions).
	"low_confidence": {States: []cases.State{cases.StateReceived}, Queue: cases.QueueLowConfidence},
	// manual: received cases in no other queue (no rule covered them),
	// waiting for a dispatcher.
	"manual": {States: []cases.State{cases.StateReceived}, Queue: store.QueueNone},
	// returned: cases a unit sent back, waiting to be dispatched again.
	"returned": {States: []cases.State{cases.StateReturned}},
	// arbitration: cases returned twice or more (the units disagree; a
	// supervisor decides).
	"arbitration": {States: []cases.State{cases.StateReturned}, MinReturns: 2},
}

// queueNames lists the queues for error messages.
const queueNames = "low_confidence, manual, returned, arbitration"

// parseFilter reads the list query at instant now (overdue means a pending
// deadline before now). Unknown parameters are refused so that a misspelt
// filter does not silently return everything.
func parseFilter(q url.Values, tax *category.Taxonomy, now time.Time) (store.Filter, error) {
	var f store.Filter
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !slices.Contains(listParams, name) {
			return f, badParam(name, fmt.Sprintf("unknown query parameter %q; known: %s", name, strings.Join(listParams, ", ")))
		}
		for _, v := range q[name] {
			if !utf8.ValidString(v) || len(v) > 500 {
				return f, badParam(name, name+" must be valid UTF-8 of at most 500 bytes")
			}
		}
	}
	for _, v := range splitList(q["state"]) {
		st := cases.State(v)
		if !st.Valid() {
			return f, badParam("state", fmt.Sprintf("unknown state %q; known: %v", v, cases.States))
		}
		f.States = append(f.States, st)
	}
	for _, v := range splitList(q["channel"]) {
		ch := cases.Channel(v)
		if !ch.Valid() {
			return f, badParam("channel", fmt.Sprintf("unknown channel %q; known: %v", v, cases.Channels))
		}
		f.Channels = append(f.Channels, ch)
	}
	single := func(name string) (string, error) {
		vals := q[name]
		if len(vals) > 1 {
			return "", badParam(name, name+" may be given once")
		}
		if len(vals) == 0 {
			return "", nil
		}
		return strings.TrimSpace(vals[0]), nil
	}
	var err error
	if f.Category, err = single("category"); err != nil {
		return f, err
	}
	if f.Category != "" && !tax.Valid(f.Category) {
		return f, badParam("category", fmt.Sprintf("category %q is not in the taxonomy", f.Category))
	}
	if f.Unit, err = single("unit"); err != nil {
		return f, err
	}
	f.Areas = splitList(q["area"])
	var queue string
	if queue, err = single("queue"); err != nil {
		return f, err
	}
	if queue != "" {
		qf, ok := queues[queue]
		if !ok {
			return f, badParam("queue", fmt.Sprintf("unknown queue %q; known: %s", queue, queueNames))
		}
		if len(f.States) > 0 {
			return f, badParam("queue", "queue selects the states itself; do not combine it with state")
		}
		f.States, f.MinReturns, f.Queue = qf.States, qf.MinReturns, qf.Queue
	}
	// parent: the cases merged into that case (they share its handling
	// and get its reply).
	if f.Parent, err = single("parent"); err != nil {
		return f, err
	}
	if f.Parent != "" && !wellFormedCaseID(f.Parent) {
		return f, badParam("parent", fmt.Sprintf("parent must be a case id such as WH-20261123-000001, got %q", f.Parent))
	}
	// The supervisor's lists: overdue (open cases with a pending deadline
	// already passed: store.Filter.DueBefore now) and open_summons (open
	// cases with a summoned unit that has not reported).
	flag := func(name string) (bool, error) {
		v, err := single(name)
		if err != nil {
			return false, err
		}
		switch v {
		case "", "false":
			return false, nil
		case "true":
			return true, nil
		}
		return false, badParam(name, fmt.Sprintf("%s must be true or false, got %q", name, v))
	}
	overdue, err := flag("overdue")
	if err != nil {
		return f, err
	}
	if overdue {
		f.DueBefore = now
	}
	if f.OpenSummons, err = flag("open_summons"); err != nil {
		return f, err
	}
	// sort=due: the earliest pending deadline first (work lists read page
	// by page start with the most urgent); newest (the default): newest
	// case first.
	sortBy, err := single("sort")
	if err != nil {
		return f, err
	}
	switch sortBy {
	case "", "newest":
	case "due":
		f.ByDue = true
	default:
		return f, badParam("sort", fmt.Sprintf("sort must be newest or due, got %q", sortBy))
	}
	if f.Text, err = single("q"); err != nil {
		return f, err
	}
	if f.Cursor, err = single("cursor"); err != nil {
		return f, err
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"created_from", &f.CreatedFrom}, {"created_to", &f.CreatedTo}} {
		v, err := single(p.name)
		if err != nil {
			return f, err
		}
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return f, badParam(p.name, fmt.Sprintf("%s must be an RFC 3339 time such as 2026-11-23T09:00:00+08:00, got %q", p.name, v))
		}
		*p.dst = t
	}
	if !f.CreatedFrom.IsZero() && !f.CreatedTo.IsZero() && !f.CreatedFrom.Before(f.CreatedTo) {
		return f, badParam("created_to", "created_to must be after created_from")
	}
	limit, err := single("limit")
	if err != nil {
		return f, err
	}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > MaxListLimit {
			return f, badParam("limit", fmt.Sprintf("limit must be a whole number from 1 to %d, got %q", MaxListLimit, limit))
		}
		f.Limit = n
	}
	return f, nil
}

// wellFormedCaseID reports whether id has the shape of a case id,
// PREFIX-YYYYMMDD-NNNNNN (store.IDFormat), whatever the prefix.
func wellFormedCaseID(id string) bool {
	rest, num, ok := cutLast(id)
	if !ok || len(num) < 6 || strings.Trim(num, "0123456789") != "" {
		return false
	}
	prefix, day, ok := cutLast(rest)
	if !ok || prefix == "" || len(day) != 8 || !plausibleID(id) || strings.ContainsFunc(prefix, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return false
	}
	_, err := time.Parse("20060102", day)
	return err == nil
}

// cutLast cuts s around its last '-'.
func cutLast(s string) (before, after string, ok bool) {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// splitList reads a repeatable parameter whose values may also be comma
// lists ("state=received,dispatched&state=closed").
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}
