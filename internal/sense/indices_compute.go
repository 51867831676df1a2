package sense

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"yiwang/internal/store"
)

// IndexArea is an area an index is computed for.
type IndexArea struct {
	Code string `json:"code"`
	Name string `json:"name,omitempty"`
}

// IndexSet describes the index definitions in force. Version 0 means the
// definitions given at start (Options.Indices); stored versions count
// from 1.
type IndexSet struct {
	Version     int        `json:"version"`
	YAML        string     `json:"yaml"`
	Definitions []IndexDef `json:"definitions"`
	UpdatedBy   string     `json:"updated_by,omitempty"`
	UpdatedAt   time.Time  `json:"updated_at,omitzero"`
}

// TermValue is what one term of an index saw in an area.
type TermValue struct {
	Aggregate string `json:"aggregate"`
	Kind      string `json:"kind"`
	// Sensors is how many sensors of the kind the area has, Reporting how
	// many of them have a reading no older than the index's max_age.
	Sensors   int `json:"sensors"`
	Reporting int `json:"reporting"`
	// Aggregate is the aggregate of the reporting sensors' latest values
	// (null when none reports and the term has no if_missing).
	Value *float64 `json:"value"`
	// Assumed: no sensor reported and if_missing was used.
	Assumed bool `json:"assumed,omitempty"`
	// Inputs says it in words: "12 of 16 water_level sensors reporting".
	Inputs string `json:"inputs"`
}

// AreaValue is an index's value in one area: null when a term has no
// input there.
type AreaValue struct {
	Area  string      `json:"area"`
	Name  string      `json:"name,omitempty"`
	Value *float64    `json:"value"`
	Terms []TermValue `json:"terms"`
}

// IndexValues are one index's values in every area of it.
type IndexValues struct {
	Index  IndexDef    `json:"index"`
	Values []AreaValue `json:"values"`
}

// IndexSnapshot is one computation of every index.
type IndexSnapshot struct {
	// Seq counts the computations since the pipeline started (from 1).
	Seq        int64         `json:"seq"`
	ComputedAt time.Time     `json:"computed_at"`
	Version    int           `json:"version"`
	Indices    []IndexValues `json:"indices"`
}

// indexState is the pipeline's index definitions, last values and
// stream subscribers.
type indexState struct {
	computeMu sync.Mutex // serialises computations (Seq order = publication order)
	mu        sync.Mutex // guards the fields below
	set       IndexSet
	defs      []*Index
	last      *IndexSnapshot
	seq       int64
	subs      map[chan *IndexSnapshot]struct{}
}

// initIndices puts the definitions of Options.Indices in force.
func (p *Pipeline) initIndices() error {
	p.ix.subs = map[chan *IndexSnapshot]struct{}{}
	defs, err := ParseIndices(p.o.Indices, p.o.IndexChecks)
	if err != nil {
		return fmt.Errorf("index definitions: %w", err)
	}
	p.ix.set = IndexSet{YAML: string(p.o.Indices), Definitions: definitions(defs)}
	p.ix.defs = defs
	return nil
}

func definitions(defs []*Index) []IndexDef {
	out := make([]IndexDef, len(defs))
	for i, d := range defs {
		out[i] = d.Def
	}
	return out
}

// Indices returns the index definitions in force.
func (p *Pipeline) Indices() IndexSet {
	p.ix.mu.Lock()
	defer p.ix.mu.Unlock()
	return p.ix.set
}

// IndexValues returns the last computation, nil before the first.
func (p *Pipeline) IndexValues() *IndexSnapshot {
	p.ix.mu.Lock()
	defer p.ix.mu.Unlock()
	return p.ix.last
}

// PutIndices validates an index document, stores it as the next version
// of IndicesDocument (when Options.Documents is set), puts it in force and
// computes the indices at once. expectVersion is the version replaced (0
// when none was ever stored; negative: whatever is in force); a stale one
// fails with ErrIndicesConflict. An invalid document fails with an
// *IndicesError and changes nothing.
func (p *Pipeline) PutIndices(ctx context.Context, body []byte, expectVersion int, actor string) (IndexSet, error) {
	p.putMu.Lock()
	defer p.putMu.Unlock()
	defs, err := ParseIndices(body, p.o.IndexChecks)
	if err != nil {
		return IndexSet{}, err
	}
	now := p.o.Now()
	cur := p.Indices()
	if expectVersion < 0 {
		expectVersion = cur.Version
	}
	set := IndexSet{Version: expectVersion + 1, YAML: string(body), Definitions: definitions(defs), UpdatedBy: actor, UpdatedAt: now.UTC()}
	if p.o.Documents != nil {
		d, err := p.o.Documents.PutDocument(ctx, store.Document{Name: IndicesDocument, Body: body, UpdatedBy: actor, UpdatedAt: now}, expectVersion)
		if errors.Is(err, store.ErrVersionConflict) {
			return IndexSet{}, fmt.Errorf("%w: expected version %d", ErrIndicesConflict, expectVersion)
		}
		if err != nil {
			return IndexSet{}, fmt.Errorf("storing index definitions: %w", err)
		}
		set.Version, set.UpdatedAt = d.Version, d.UpdatedAt.UTC()
	} else if expectVersion != cur.Version {
		return IndexSet{}, fmt.Errorf("%w: expected version %d, in force %d", ErrIndicesConflict, expectVersion, cur.Version)
	}
	if p.swapIndices(defs, set) {
		p.ComputeIndices(now) // the values and the stream follow at once
	}
	p.o.Logger.InfoContext(ctx, "index definitions replaced", "version", set.Version, "by", actor, "indices", len(defs))
	return set, nil
}

// ErrIndicesConflict: the index definitions changed since the version the
// caller expected (it wraps store.ErrVersionConflict).
var ErrIndicesConflict = fmt.Errorf("index definitions: %w", store.ErrVersionConflict)

// RefreshIndices puts the definitions stored as IndicesDocument in force
// when their version is newer than the one in force, and reports whether
// it did. A stored document that does not validate is an error and
// changes nothing.
func (p *Pipeline) RefreshIndices(ctx context.Context) (bool, error) {
	if p.o.Documents == nil {
		return false, nil
	}
	d, err := p.o.Documents.GetDocument(ctx, IndicesDocument)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading document %s: %w", IndicesDocument, err)
	}
	p.putMu.Lock()
	defer p.putMu.Unlock()
	if d.Version <= p.Indices().Version {
		return false, nil
	}
	defs, err := ParseIndices(d.Body, p.o.IndexChecks)
	if err != nil {
		return false, fmt.Errorf("document %s version %d: %w", IndicesDocument, d.Version, err)
	}
	set := IndexSet{Version: d.Version, YAML: string(d.Body), Definitions: definitions(defs), UpdatedBy: d.UpdatedBy, UpdatedAt: d.UpdatedAt.UTC()}
	if !p.swapIndices(defs, set) {
		return false, nil
	}
	p.ComputeIndices(p.o.Now())
	p.o.Logger.InfoContext(ctx, "index definitions loaded", "version", set.Version, "indices", len(defs))
	return true, nil
}

func (p *Pipeline) swapIndices(defs []*Index, set IndexSet) bool {
	p.ix.mu.Lock()
	defer p.ix.mu.Unlock()
	if set.Version <= p.ix.set.Version {
		return false
	}
	p.ix.defs, p.ix.set = defs, set
	return true
}

// ComputeIndices computes every index in every area of it from the latest
// readings as of now, keeps the result (IndexValues) and pushes it to the
// stream's subscribers. Run calls it every IndexEvery.
func (p *Pipeline) ComputeIndices(now time.Time) *IndexSnapshot {
	p.ix.computeMu.Lock()
	defer p.ix.computeMu.Unlock()
	p.ix.mu.Lock()
	defs, version := p.ix.defs, p.ix.set.Version
	p.ix.mu.Unlock()
	snap := &IndexSnapshot{ComputedAt: now.UTC(), Version: version, Indices: make([]IndexValues, 0, len(defs))}
	areas := map[string][]IndexArea{} // by level, looked up once per computation
	readings := map[string][]indexReading{}
	for _, x := range defs {
		iv := IndexValues{Index: x.Def}
		for _, a := range p.indexAreas(x, areas) {
			rs, ok := readings[a.Code]
			if !ok {
				rs = p.areaReadings(a.Code)
				readings[a.Code] = rs
			}
			av := x.compute(rs, now)
			av.Area, av.Name = a.Code, a.Name
			iv.Values = append(iv.Values, av)
		}
		snap.Indices = append(snap.Indices, iv)
	}
	p.ix.mu.Lock()
	p.ix.seq++
	snap.Seq = p.ix.seq
	p.ix.last = snap
	for ch := range p.ix.subs {
		select { // the newest snapshot replaces one the subscriber has not read
		case ch <- snap:
		default:
			select {
			case <-ch:
			default:
			}
			ch <- snap
		}
	}
	p.ix.mu.Unlock()
	return snap
}

// subscribeIndices returns a channel receiving every later computation
// (a slow reader skips to the newest) and its cancel function.
func (p *Pipeline) subscribeIndices() (<-chan *IndexSnapshot, func()) {
	ch := make(chan *IndexSnapshot, 1)
	p.ix.mu.Lock()
	p.ix.subs[ch] = struct{}{}
	p.ix.mu.Unlock()
	return ch, func() {
		p.ix.mu.Lock()
		delete(p.ix.subs, ch)
		p.ix.mu.Unlock()
	}
}

// indexAreas lists the areas of an index: its level's areas
// (Options.IndexAreas, else those of the registry's sensors) or its list.
func (p *Pipeline) indexAreas(x *Index, cache map[string][]IndexArea) []IndexArea {
	level := x.Def.Level
	if level != "" {
		return p.levelAreas(level, cache)
	}
	out := make([]IndexArea, 0, len(x.Def.Areas))
	for _, c := range x.Def.Areas {
		a := IndexArea{Code: c}
		for _, b := range p.levelAreas(levelOf(c), cache) {
			if b.Code == c {
				a.Name = b.Name
				break
			}
		}
		out = append(out, a)
	}
	return out
}

func levelOf(code string) string {
	switch len(code) {
	case 6:
		return LevelDistrict
	case 9:
		return LevelStreet
	case 12:
		return "community"
	}
	return "grid"
}

func (p *Pipeline) levelAreas(level string, cache map[string][]IndexArea) []IndexArea {
	if as, ok := cache[level]; ok {
		return as
	}
	var as []IndexArea
	if p.o.IndexAreas != nil {
		as = p.o.IndexAreas(level)
	} else {
		seen := map[string]bool{}
		for _, s := range p.Registry.All() {
			var ref IndexArea
			switch level {
			case LevelDistrict:
				ref = IndexArea{s.Area.District.Code, s.Area.District.Name}
			case LevelStreet:
				ref = IndexArea{s.Area.Street.Code, s.Area.Street.Name}
			case "community":
				ref = IndexArea{s.Area.Community.Code, s.Area.Community.Name}
			default:
				ref = IndexArea{s.Area.Grid.Code, s.Area.Grid.Name}
			}
			if ref.Code != "" && !seen[ref.Code] {
				seen[ref.Code] = true
				as = append(as, ref)
			}
		}
		sort.Slice(as, func(i, j int) bool { return as[i].Code < as[j].Code })
	}
	cache[level] = as
	return as
}

// indexReading is the latest reading of one sensor of an area (has false
// when it never reported).
type indexReading struct {
	kind string
	has  bool
	t    time.Time
	v    float64
}

func (p *Pipeline) areaReadings(code string) []indexReading {
	ids := p.Registry.InArea(code)
	out := make([]indexReading, 0, len(ids))
	for _, i := range ids {
		r := indexReading{kind: string(p.Registry.Sensor(i).Kind)}
		if s, ok := p.DB.Latest(i); ok {
			r.has, r.t, r.v = true, time.Unix(0, s.T), s.V
		}
		out = append(out, r)
	}
	return out
}

// compute is the index's value over the latest readings of an area's
// sensors as of now.
func (x *Index) compute(rs []indexReading, now time.Time) AreaValue {
	av := AreaValue{Terms: make([]TermValue, len(x.terms))}
	acc, null := 0.0, false
	if x.prod {
		acc = 1
	}
	for k, t := range x.terms {
		tv := TermValue{Aggregate: t.agg, Kind: t.kind}
		var agg float64
		for _, r := range rs {
			if r.kind != t.kind {
				continue
			}
			tv.Sensors++
			if !r.has || now.Sub(r.t) > x.maxAge {
				continue
			}
			tv.Reporting++
			switch t.agg {
			case AggShare:
				if r.v >= t.threshold {
					agg++
				}
			case AggMean:
				agg += r.v
			case AggMax:
				if tv.Reporting == 1 || r.v > agg {
					agg = r.v
				}
			case AggMin:
				if tv.Reporting == 1 || r.v < agg {
					agg = r.v
				}
			}
		}
		if tv.Reporting > 0 && (t.agg == AggShare || t.agg == AggMean) {
			agg /= float64(tv.Reporting)
		}
		tv.Inputs = fmt.Sprintf("%d of %d %s sensors reporting", tv.Reporting, tv.Sensors, t.kind)
		switch {
		case tv.Reporting > 0:
			tv.Value = &agg
		case t.missing != nil:
			agg = *t.missing
			tv.Value, tv.Assumed = &agg, true
			tv.Inputs += fmt.Sprintf("; %g assumed", agg)
		default:
			null = true
		}
		av.Terms[k] = tv
		if tv.Value == nil {
			continue
		}
		n := min(1, max(0, agg/t.scale))
		if t.invert {
			n = 1 - n
		}
		v := t.offset + t.weight*n
		if x.prod {
			acc *= v
		} else {
			acc += v
		}
	}
	if !null {
		v := acc * x.scale
		av.Value = &v
	}
	return av
}
