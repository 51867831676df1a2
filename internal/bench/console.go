package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"yiwang/internal/auth"
	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/geo"
	"yiwang/internal/platform"
	"yiwang/internal/situation"
	"yiwang/internal/store/sqlstore"
)

// ConsoleOptions configure `yiwang bench console`. Zero fields take the
// defaults named.
type ConsoleOptions struct {
	// Cases is how many generated case histories are loaded (default 1,000,000).
	Cases int
	// Requests is how many GET /api/v1/situation are timed per area (default 200).
	Requests int
	// SQLRounds is how many times the whole set of SQL queries runs (default 20).
	SQLRounds int
	// Renders is how many navigations to the screen are timed (default 5).
	Renders int
	// Chromium is the browser's path (default /usr/bin/chromium); NoBrowser
	// skips first_render_ms.
	Chromium  string
	NoBrowser bool
	// Now is the instant the data is generated up to and the node's clock
	// (default: the current time, to the second).
	Now    time.Time
	Logger *slog.Logger
}

// ConsoleResult is what `yiwang bench console --json` prints.
type ConsoleResult struct {
	// Generated: the cases are generated (see caseGen), not real.
	Generated bool `json:"generated"`
	Cases     int  `json:"cases"`
	Events    int  `json:"events"`
	// LoadS is GenerateS + ImportS (generation runs alongside the import);
	// AggregatesLoadS is platform.Open on the loaded store, which reads
	// the whole event log into the situation aggregates.
	LoadS           float64 `json:"load_s"`
	GenerateS       float64 `json:"generate_s"`
	ImportS         float64 `json:"import_s"`
	AggregatesLoadS float64 `json:"aggregates_load_s"`
	DBBytes         int64   `json:"db_bytes"`

	// Start*: platform.Open on the loaded store, first with no saved
	// aggregates (StartRebuildS, = AggregatesLoadS: every event folded),
	// then, after that node closed and saved them (SnapshotSaveS is its
	// Close), from the saved copy (StartFromSnapshotS). Both include what
	// else Open loads from the whole log (the duplicate index).
	// SituationRestoreS is the aggregates alone restored from the saved
	// copy (read from the store, checksum, decode, catch up), and
	// SituationRebuildS the aggregates alone rebuilt from the store's log,
	// in the same run; SnapshotBytes is the copy's size. The restarted
	// node's figures must equal the first node's.
	StartRebuildS      float64 `json:"start_rebuild_s"`
	StartFromSnapshotS float64 `json:"start_from_snapshot_s"`
	SnapshotSaveS      float64 `json:"snapshot_save_s"`
	SnapshotBytes      int     `json:"snapshot_bytes"`
	SituationRestoreS  float64 `json:"situation_restore_s"`
	SituationRebuildS  float64 `json:"situation_rebuild_s"`

	// Aggregates*: GET /api/v1/situation end to end over loopback, for the
	// city, a district and a street (Requests each, sequential).
	AggregatesRequests int                `json:"aggregates_requests"`
	AggregatesP50Ms    float64            `json:"aggregates_p50_ms"`
	AggregatesP99Ms    float64            `json:"aggregates_p99_ms"`
	AggregatesByArea   map[string]Latency `json:"aggregates_by_area"`
	// SQL*: the equivalent GROUP BY queries on the same SQLite file,
	// read-only; one sample is the whole set of queries.
	SQLRounds  int                `json:"sql_rounds"`
	SQLP50Ms   float64            `json:"sql_p50_ms"`
	SQLP99Ms   float64            `json:"sql_p99_ms"`
	SQLByQuery map[string]Latency `json:"sql_by_query"`
	// Ratio is SQLP50Ms / AggregatesP50Ms.
	Ratio float64 `json:"ratio"`
	// Checked is how many figures were found equal in the aggregates and in SQL.
	Checked int `json:"checked"`

	// FirstRenderMs is the median time from navigation to the screen's
	// data-ready attribute over Renders navigations; FirstRenderColdMs is
	// the first of them (empty browser cache). Nil when skipped.
	FirstRenderMs       *float64 `json:"first_render_ms"`
	FirstRenderColdMs   *float64 `json:"first_render_cold_ms"`
	FirstRenderSkipped  string   `json:"first_render_skipped,omitempty"`
	GoalAggregatesP99Ms float64  `json:"goal_aggregates_p99_ms"`
	GoalFirstRenderMs   float64  `json:"goal_first_render_ms"`
	GoalsMet            bool     `json:"goals_met"`
}

// Latency is a p50 and a p99 in milliseconds.
type Latency struct {
	P50Ms float64 `json:"p50_ms"`
	P99Ms float64 `json:"p99_ms"`
}

func (o *ConsoleOptions) defaults() {
	if o.Cases == 0 {
		o.Cases = 1_000_000
	}
	if o.Requests == 0 {
		o.Requests = 200
	}
	if o.SQLRounds == 0 {
		o.SQLRounds = 20
	}
	if o.Renders == 0 {
		o.Renders = 5
	}
	if o.Chromium == "" {
		o.Chromium = "/usr/bin/chromium"
	}
	if o.Now.IsZero() {
		o.Now = time.Now().Truncate(time.Second)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Console runs the situation screen benchmark: it loads generated cases
// into a fresh SQLite store, serves a node on it, times the situation API,
// the equivalent SQL and the screen's first render, and fails when the
// aggregates and SQL disagree.
func Console(ctx context.Context, o ConsoleOptions) (ConsoleResult, error) {
	o.defaults()
	res := ConsoleResult{Generated: true, Cases: o.Cases, GoalAggregatesP99Ms: 50, GoalFirstRenderMs: 1000}
	if o.Cases < 1 || o.Requests < 1 || o.SQLRounds < 1 || o.Renders < 1 {
		return res, fmt.Errorf("cases, requests, sql rounds and renders must be at least 1")
	}
	dir, err := os.MkdirTemp("", "yiwang-bench-console-")
	if err != nil {
		return res, fmt.Errorf("making temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "console.db")
	idx, err := geo.Load()
	if err != nil {
		return res, err
	}
	if err := loadCases(ctx, o, idx, path, &res); err != nil {
		return res, err
	}
	if fi, err := os.Stat(path); err == nil {
		res.DBBytes = fi.Size()
	}

	node, err := timeStarts(ctx, o, idx, path, &res)
	if err != nil {
		return res, err
	}
	defer node.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, fmt.Errorf("listening: %w", err)
	}
	srvCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- node.Serve(srvCtx, ln) }()
	defer func() { stop(); <-done }()
	base := "http://" + ln.Addr().String()

	districts := idx.Areas(geo.LevelDistrict)
	district := districts[0].Code
	street := idx.Children(district)[0].Code
	token, err := node.MachineToken(ctx, "bench-console", auth.RoleAnalyst)
	if err != nil {
		return res, err
	}
	if err := timeSituation(ctx, base, token, o.Requests, []string{"", district, street}, &res); err != nil {
		return res, err
	}
	if err := runSQL(ctx, o, path, node, districts, &res); err != nil {
		return res, err
	}
	if res.AggregatesP50Ms > 0 {
		res.Ratio = res.SQLP50Ms / res.AggregatesP50Ms
	}
	if o.NoBrowser {
		res.FirstRenderSkipped = "not asked for (no browser)"
	} else if _, err := os.Stat(o.Chromium); err != nil {
		res.FirstRenderSkipped = fmt.Sprintf("chromium not found: %v", err)
	} else if err := timeRender(ctx, o, base, token, &res); err != nil {
		return res, fmt.Errorf("first render: %w", err)
	}
	res.GoalsMet = res.AggregatesP99Ms < res.GoalAggregatesP99Ms &&
		(res.FirstRenderMs == nil || *res.FirstRenderMs < res.GoalFirstRenderMs)
	return res, nil
}

// timeStarts opens a node on the loaded store twice — rebuilding the
// situation aggregates from the log, then from the copy the first node
// saved when it closed — checks both give the same figures, and returns
// the second node.
func timeStarts(ctx context.Context, o ConsoleOptions, idx *geo.Index, path string, res *ConsoleResult) (*platform.Node, error) {
	opts := platform.Options{DB: "sqlite:" + path, Logger: o.Logger, Now: func() time.Time { return o.Now }}
	start := time.Now()
	first, err := platform.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	res.StartRebuildS = time.Since(start).Seconds()
	res.AggregatesLoadS = res.StartRebuildS
	// Open caught up with the whole log; nothing was written since.
	want, err := situationFigures(first.Situation, idx, o.Now)
	if err != nil {
		first.Close()
		return nil, err
	}
	start = time.Now()
	if err := first.Close(); err != nil {
		return nil, fmt.Errorf("closing the first node: %w", err)
	}
	res.SnapshotSaveS = time.Since(start).Seconds()

	start = time.Now()
	node, err := platform.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	res.StartFromSnapshotS = time.Since(start).Seconds()
	got, err := situationFigures(node.Situation, idx, o.Now)
	if err == nil && got != want {
		err = fmt.Errorf("the node started from the saved aggregates shows other figures than the one that rebuilt them:\n got %.2000s\nwant %.2000s", got, want)
	}
	if err != nil {
		node.Close()
		return nil, err
	}
	saved := situation.DocumentSaved{Store: node.Store, Name: situation.DocumentName}
	start = time.Now()
	a, info, err := situation.Restore(ctx, saved, node.Store, o.Logger)
	if err == nil && !info.FromSaved {
		err = fmt.Errorf("the saved aggregates were not used: %s", info.Ignored)
	}
	if err != nil {
		node.Close()
		return nil, err
	}
	res.SituationRestoreS = time.Since(start).Seconds()
	if b, err := saved.ReadSaved(ctx); err == nil {
		res.SnapshotBytes = len(b)
	}
	if got, _ := situationFigures(a, idx, o.Now); got != want {
		node.Close()
		return nil, fmt.Errorf("aggregates restored from the saved copy differ from the rebuilt ones")
	}
	start = time.Now()
	if _, _, err := situation.Restore(ctx, nil, node.Store, o.Logger); err != nil {
		node.Close()
		return nil, err
	}
	res.SituationRebuildS = time.Since(start).Seconds()
	return node, nil
}

// situationFigures is the city's and every district's situation at now,
// as JSON, to compare two aggregates by.
func situationFigures(a *situation.Aggregates, idx *geo.Index, now time.Time) (string, error) {
	var snaps []situation.Snapshot
	var districts []string
	for _, d := range idx.Areas(geo.LevelDistrict) {
		districts = append(districts, d.Code)
	}
	snaps = append(snaps, a.Snapshot("", districts, 10, now))
	for _, d := range districts {
		var streets []string
		for _, s := range idx.Children(d) {
			streets = append(streets, s.Code)
		}
		snaps = append(snaps, a.Snapshot(d, streets, 10, now))
	}
	b, err := json.Marshal(snaps)
	return string(b), err
}

// consoleChunk is how many histories one Import call writes.
const consoleChunk = 20_000

// loadCases generates o.Cases histories and imports them in chunks into a
// fresh store at path; generation of the next chunk overlaps the import.
func loadCases(ctx context.Context, o ConsoleOptions, idx *geo.Index, path string, res *ConsoleResult) error {
	tax, err := category.Default()
	if err != nil {
		return fmt.Errorf("loading taxonomy: %w", err)
	}
	gen, err := newCaseGen(idx, tax, o.Now, 42)
	if err != nil {
		return err
	}
	st, err := sqlstore.Open(ctx, "sqlite:"+path, sqlstore.Options{Now: func() time.Time { return o.Now }, Logger: o.Logger})
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	type chunk struct {
		h   [][]cases.Event
		err error
	}
	chunks := make(chan chunk, 1)
	genCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var genTime time.Duration
	go func() {
		defer close(chunks)
		for left := o.Cases; left > 0; {
			t := time.Now()
			c := chunk{h: make([][]cases.Event, 0, min(left, consoleChunk))}
			for range min(left, consoleChunk) {
				h, err := gen.next()
				if err != nil {
					c.err = err
					break
				}
				c.h = append(c.h, h)
			}
			genTime += time.Since(t)
			left -= len(c.h)
			select {
			case chunks <- c:
			case <-genCtx.Done():
				return
			}
			if c.err != nil {
				return
			}
		}
	}()
	var importTime time.Duration
	for c := range chunks {
		if c.err != nil {
			return c.err
		}
		t := time.Now()
		if err := st.Import(ctx, c.h); err != nil {
			return fmt.Errorf("importing generated cases: %w", err)
		}
		importTime += time.Since(t)
		for _, h := range c.h {
			res.Events += len(h)
		}
	}
	res.LoadS = time.Since(start).Seconds()
	res.GenerateS, res.ImportS = genTime.Seconds(), importTime.Seconds()
	return nil
}

// timeSituation times GET /api/v1/situation for each area ("" is the city).
func timeSituation(ctx context.Context, base, token string, n int, areas []string, res *ConsoleResult) error {
	client := &http.Client{Timeout: 30 * time.Second, Transport: platform.BearerTransport(token, nil)}
	res.AggregatesByArea = map[string]Latency{}
	var all []time.Duration
	for _, area := range areas {
		u := base + "/api/v1/situation"
		name := "city"
		if area != "" {
			u += "?area=" + url.QueryEscape(area)
			name = area
		}
		lat := make([]time.Duration, n)
		for i := range lat {
			t := time.Now()
			if err := getOK(ctx, client, u); err != nil {
				return err
			}
			lat[i] = time.Since(t)
		}
		all = append(all, lat...)
		res.AggregatesByArea[name] = Latency{percentileMs(lat, 50), percentileMs(lat, 99)}
	}
	res.AggregatesRequests = len(all)
	res.AggregatesP50Ms, res.AggregatesP99Ms = percentileMs(all, 50), percentileMs(all, 99)
	return nil
}

func getOK(ctx context.Context, client *http.Client, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("GET %s: reading body: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d: %.300s", u, resp.StatusCode, body)
	}
	return nil
}
