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
	// status is the one status asked for ("" for both): a merged case's
	// status is its handler's (mergedStatus), so merged cases are read
	// whatever status is asked and kept by the status they answer with.
	status string
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
			out.states, out.status = append(slices.Clone(openStates), cases.StateMerged), StatusOpen
		case closed && !open:
			out.states, out.status = closedStates, StatusClosed
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
	hs := newHandlers(s.store)
	var out []Request
	if q.ids != nil {
		out, err = s.getMany(r.Context(), q.ids, hs)
	} else {
		out, err = s.search(r.Context(), q, hs)
	}
	if err != nil {
		return 0, nil, nil, err
	}
	return http.StatusOK, out, requestsXML[Request]{Requests: out}, nil
}

// viewOf renders c with the case it is handled with when it is merged.
func (s *Server) viewOf(ctx context.Context, c *cases.Case, hs *handlers) (Request, error) {
	h, err := hs.of(ctx, c)
	if err != nil {
		return Request{}, err
	}
	return s.view(c, h), nil
}

// getMany returns the requests of the ids that exist, in the order asked.
func (s *Server) getMany(ctx context.Context, ids []string, hs *handlers) ([]Request, error) {
	out := []Request{}
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
		v, err := s.viewOf(ctx, &c, hs)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// search lists the matching requests, newest first, at most MaxResults.
// Each service code is one store query, read page by page until
// MaxResults requests answer with the status asked (a merged case may
// not: its status is its handler's); their results are merged.
func (s *Server) search(ctx context.Context, q query, hs *handlers) ([]Request, error) {
	f := store.Filter{States: q.states, Channels: s.public, CreatedFrom: q.from, CreatedTo: q.to, Limit: MaxResults}
	codes := q.codes
	if len(codes) == 0 {
		codes = []string{""}
	}
	type found struct {
		c cases.Case
		v Request
	}
	var all []found
	for _, code := range slices.Compact(slices.Sorted(slices.Values(codes))) {
		f.Category, f.Cursor = code, ""
		for n := 0; n < MaxResults; {
			page, err := s.store.List(ctx, f)
			if err != nil {
				return nil, fmt.Errorf("listing cases: %w", err)
			}
			for i := 0; i < len(page.Cases) && n < MaxResults; i++ {
				c := &page.Cases[i]
				v, err := s.viewOf(ctx, c, hs)
				if err != nil {
					return nil, err
				}
				if q.status != "" && v.Status != q.status {
					continue
				}
				all = append(all, found{*c, v})
				n++
			}
			if page.Next == "" || len(page.Cases) == 0 {
				break
			}
			f.Cursor = page.Next
		}
	}
	if len(codes) > 1 {
		slices.SortStableFunc(all, func(a, b found) int {
			if c := b.c.CreatedAt.Compare(a.c.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(b.c.ID, a.c.ID)
		})
		all = slices.CompactFunc(all, func(a, b found) bool { return a.c.ID == b.c.ID })
	}
	out := make([]Request, 0, min(len(all), MaxResults))
	for _, x := range all[:min(len(all), MaxResults)] {
		out = append(out, x.v)
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
	v, err := s.viewOf(r.Context(), &c, newHandlers(s.store))
	if err != nil {
		return 0, nil, nil, err
	}
	out := []Request{v}
	return http.StatusOK, out, requestsXML[Request]{Requests: out}, nil
}

// isPublic reports whether c came in through a public channel
// (Config.PublicChannels), so that anyone may read it here.
func (s *Server) isPublic(c *cases.Case) bool { return slices.Contains(s.public, c.Channel) }
