package open311

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// Limits of GET requests, as GeoReport v2 sets them.
const (
	MaxResults   = 1000                // results per query
	DefaultRange = 90 * 24 * time.Hour // the default and longest date range
	maxIDs       = 100                 // ids in one service_request_id list
	maxCodes     = 20                  // codes in one service_code list
)

// query is a parsed GET requests query.
type query struct {
	ids        []string
	codes      []string
	states     []cases.State
	from, to   time.Time // to is exclusive, zero for no bound
	statusText string
}

// parseQuery reads GET requests parameters. service_request_id, when
// given, overrides the others (GeoReport v2). Dates are W3C datetimes;
// without start_date and end_date the range is the last 90 days; with one
// of them it is the 90 days after start_date or before end_date; it may
// not span more than 90 days.
func (s *Server) parseQuery(q url.Values, now time.Time) (query, error) {
	p := &problems{status: http.StatusBadRequest}
	var out query
	single := func(name string) string {
		vs := q[name]
		if len(vs) > 1 {
			p.add("%s is given more than once", name)
		}
		if len(vs) == 0 {
			return ""
		}
		return strings.TrimSpace(vs[0])
	}
	if ids := single("service_request_id"); ids != "" {
		out.ids = splitList(ids)
		if len(out.ids) > maxIDs {
			p.add("service_request_id lists %d ids, at most %d allowed", len(out.ids), maxIDs)
		}
		return out, p.err()
	}
	if codes := single("service_code"); codes != "" {
		out.codes = splitList(codes)
		if len(out.codes) > maxCodes {
			p.add("service_code lists %d codes, at most %d allowed", len(out.codes), maxCodes)
		}
		for _, c := range out.codes {
			if s.catalog.categoryName(c) == "" {
				p.add("service_code %s is not a service here; GET services.json lists them", describeValue(c))
			}
		}
	}
	if st := single("status"); st != "" {
		var open, closed bool
		for _, v := range splitList(st) {
			switch strings.ToLower(v) {
			case StatusOpen:
				open = true
			case StatusClosed:
				closed = true
			default:
				p.add("status %s must be open or closed", describeValue(v))
			}
		}
		switch {
		case open && !closed:
			out.states = openStates
		case closed && !open:
			out.states = closedStates
		}
	}
	var hasFrom, hasTo bool
	if v := single("start_date"); v != "" {
		t, _, err := parseW3C(v)
		if err != nil {
			p.add("start_date %s is %v", describeValue(v), err)
		}
		out.from, hasFrom = t, true
	}
	if v := single("end_date"); v != "" {
		_, end, err := parseW3C(v)
		if err != nil {
			p.add("end_date %s is %v", describeValue(v), err)
		}
		out.to, hasTo = end, true
	}
	if err := p.err(); err != nil {
		return out, err
	}
	switch {
	case !hasFrom && !hasTo:
		out.from = now.Add(-DefaultRange) // and no upper bound: up to now
		return out, nil
	case !hasTo:
		out.to = out.from.Add(DefaultRange)
	case !hasFrom:
		out.from = out.to.Add(-DefaultRange)
	}
	if !out.from.Before(out.to) {
		p.add("start_date must be before end_date")
	} else if out.to.Sub(out.from) > DefaultRange+time.Second {
		p.add("start_date to end_date spans %.0f days; at most 90 days may be queried at once", out.to.Sub(out.from).Hours()/24)
	}
	return out, p.err()
}

// splitList splits a comma-separated parameter, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (s *Server) listRequests(r *http.Request, _ format, _ string) (int, any, any, error) {
	q, err := s.parseQuery(r.URL.Query(), s.now())
	if err != nil {
		return 0, nil, nil, err
	}
	var found []cases.Case
	if q.ids != nil {
		found, err = s.getMany(r.Context(), q.ids)
	} else {
		found, err = s.search(r.Context(), q)
	}
	if err != nil {
		return 0, nil, nil, err
	}
	out := make([]Request, len(found))
	for i := range found {
		out[i] = s.view(&found[i])
	}
	return http.StatusOK, out, requestsXML[Request]{Requests: out}, nil
}

// getMany returns the cases of the ids that exist, in the order asked.
func (s *Server) getMany(ctx context.Context, ids []string) ([]cases.Case, error) {
	out := []cases.Case{}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		c, err := s.store.Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && !s.isPublic(&c) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading case %s: %w", id, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// search lists the matching cases, newest first, at most MaxResults. Each
// service code is one store query; their pages are merged.
func (s *Server) search(ctx context.Context, q query) ([]cases.Case, error) {
	f := store.Filter{States: q.states, Channels: s.public, CreatedFrom: q.from, CreatedTo: q.to, Limit: MaxResults}
	codes := q.codes
	if len(codes) == 0 {
		codes = []string{""}
	}
	out := []cases.Case{}
	for _, code := range slices.Compact(slices.Sorted(slices.Values(codes))) {
		f.Category = code
		page, err := s.store.List(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("listing cases: %w", err)
		}
		out = append(out, page.Cases...)
	}
	if len(codes) > 1 {
		slices.SortStableFunc(out, func(a, b cases.Case) int {
			if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		})
		out = slices.CompactFunc(out, func(a, b cases.Case) bool { return a.ID == b.ID })
	}
	if len(out) > MaxResults {
		out = out[:MaxResults]
	}
	return out, nil
}

func (s *Server) getRequest(r *http.Request, _ format, id string) (int, any, any, error) {
	c, err := s.store.Get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !s.isPublic(&c) {
		return 0, nil, nil, fail(http.StatusNotFound, "no service request has the id %s", describeValue(id))
	}
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading case %s: %w", id, err)
	}
	out := []Request{s.view(&c)}
	return http.StatusOK, out, requestsXML[Request]{Requests: out}, nil
}

// isPublic reports whether c came in through a public channel
// (Config.PublicChannels), so that anyone may read it here.
func (s *Server) isPublic(c *cases.Case) bool { return slices.Contains(s.public, c.Channel) }
