package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/geo"
	"yiwang/internal/pgtest"
	"yiwang/internal/platform"
	"yiwang/internal/store"
)

// IntakeOptions configure `yiwang bench intake`.
type IntakeOptions struct {
	// N cases are created through each path; C clients run concurrently.
	N, C int
	// DB is "sqlite" (a fresh file in a temporary directory) or a
	// postgres:// URL (a fresh database is created beside it and dropped).
	DB     string
	Logger *slog.Logger
}

// IntakeResult is what `yiwang bench intake --json` prints.
type IntakeResult struct {
	Store string `json:"store"`
	N     int    `json:"n"`
	C     int    `json:"c"`
	// CasesPerS, P50Ms and P99Ms measure POST /api/v1/cases end to end.
	CasesPerS float64 `json:"cases_per_s"`
	P50Ms     float64 `json:"p50_ms"`
	P99Ms     float64 `json:"p99_ms"`
	// RawPerS measures the same create path called directly from Go, with
	// the same concurrency and durability: geography, workflow.Create
	// (the store's create with its automatic dispatch, in one durable
	// write) — everything the API does except HTTP and JSON.
	RawPerS  float64 `json:"raw_per_s"`
	RawP50Ms float64 `json:"raw_p50_ms"`
	RawP99Ms float64 `json:"raw_p99_ms"`
	// Ratio is RawPerS / CasesPerS: the cost of HTTP and JSON.
	Ratio float64 `json:"ratio"`
	// StorePerS measures store.Create alone (no geography, no dispatch
	// decision), for reference.
	StorePerS  float64 `json:"store_per_s"`
	StoreP99Ms float64 `json:"store_p99_ms"`
	Errors     int64   `json:"errors"`
}

// Intake runs the intake benchmark: the raw store path, then the API path,
// each on a fresh store.
func Intake(ctx context.Context, o IntakeOptions) (IntakeResult, error) {
	if o.N < 1 || o.C < 1 {
		return IntakeResult{}, fmt.Errorf("n and c must be at least 1 (got n=%d c=%d)", o.N, o.C)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	res := IntakeResult{Store: storeKind(o.DB), N: o.N, C: o.C}
	idx, err := geo.Load()
	if err != nil {
		return res, err
	}
	bodies := makeCases(idx, o.N)

	st, err := runRaw(ctx, o, bodies, false)
	if err != nil {
		return res, fmt.Errorf("store run: %w", err)
	}
	res.StorePerS, res.StoreP99Ms = st.perS, st.p99
	raw, err := runRaw(ctx, o, bodies, true)
	if err != nil {
		return res, fmt.Errorf("raw create-path run: %w", err)
	}
	res.RawPerS, res.RawP50Ms, res.RawP99Ms = raw.perS, raw.p50, raw.p99

	api, err := runAPI(ctx, o, bodies)
	if err != nil {
		return res, fmt.Errorf("API run: %w", err)
	}
	res.CasesPerS, res.P50Ms, res.P99Ms, res.Errors = api.perS, api.p50, api.p99, api.errors
	if res.CasesPerS > 0 {
		res.Ratio = res.RawPerS / res.CasesPerS
	}
	return res, nil
}

func storeKind(db string) string {
	if strings.HasPrefix(db, "postgres") {
		return "postgres"
	}
	return "sqlite"
}

type runResult struct {
	perS, p50, p99 float64
	errors         int64
}

// makeCases builds n distinct hotline cases at random points inside Wuhan
// (generated for the benchmark).
func makeCases(idx *geo.Index, n int) []cases.NewCase {
	r := rand.New(rand.NewPCG(42, 7))
	districts := idx.Areas(geo.LevelDistrict)
	out := make([]cases.NewCase, n)
	for i := range out {
		p := idx.RandomPointIn(districts[r.IntN(len(districts))].Code, r)
		lat, lon := p.Lat(), p.Lon()
		out[i] = cases.NewCase{
			Channel: cases.ChannelHotline, Title: fmt.Sprintf("基准测试工单 %d：路灯不亮", i),
			Description: "（基准测试生成）小区门口路灯连续三天不亮，夜间行人看不清路，请尽快维修。",
			Category:    "01", Severity: cases.SeverityNormal,
			Location: cases.Location{Lat: &lat, Lon: &lon, Address: "武汉市（生成地址）"},
			Reporter: cases.Reporter{Name: "测试", Phone: fmt.Sprintf("139%08d", i)},
		}
	}
	return out
}

// openFresh opens a node on a fresh store and returns a cleanup function.
func openFresh(ctx context.Context, o IntakeOptions, tag string) (*platform.Node, func(), error) {
	var dsn string
	var cleanup func()
	if storeKind(o.DB) == "postgres" {
		d, drop, err := pgtest.Create(ctx, o.DB, "yiwang_bench_"+tag)
		if err != nil {
			return nil, nil, err
		}
		dsn, cleanup = d, func() { _ = drop() }
	} else {
		dir, err := os.MkdirTemp("", "yiwang-bench-")
		if err != nil {
			return nil, nil, fmt.Errorf("making temporary directory: %w", err)
		}
		dsn, cleanup = "sqlite:"+filepath.Join(dir, "bench.db"), func() { os.RemoveAll(dir) }
	}
	node, err := platform.Open(ctx, platform.Options{DB: dsn, Logger: o.Logger})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return node, func() { node.Close(); cleanup() }, nil
}

// drive runs n operations on c workers, timing each.
func drive(n, c int, op func(i int) error) runResult {
	lat := make([]time.Duration, n)
	var next, errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t := time.Now()
				if err := op(i); err != nil {
					errs.Add(1)
				}
				lat[i] = time.Since(t)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	return runResult{perS: float64(n) / elapsed.Seconds(), p50: percentileMs(lat, 50), p99: percentileMs(lat, 99), errors: errs.Load()}
}

// runRaw creates the cases from Go without HTTP: through the node's whole
// create path (geography and workflow) when full, else store.Create alone.
func runRaw(ctx context.Context, o IntakeOptions, bodies []cases.NewCase, full bool) (runResult, error) {
	node, cleanup, err := openFresh(ctx, o, "raw")
	if err != nil {
		return runResult{}, err
	}
	defer cleanup()
	r := drive(len(bodies), o.C, func(i int) error {
		req := store.CreateRequest{
			Case: bodies[i], Actor: "bench", IdempotencyKey: fmt.Sprintf("raw-%d", i), RequestHash: fmt.Sprintf("h%d", i),
		}
		if !full {
			_, _, err := node.Store.Create(ctx, req)
			return err
		}
		loc, err := node.Locate(*req.Case.Location.Lat, *req.Case.Location.Lon)
		if err != nil {
			return err
		}
		l := &req.Case.Location
		l.District, l.Street, l.Community, l.Grid = loc.District, loc.Street, loc.Community, loc.Grid
		_, _, err = node.Workflow.Create(ctx, req)
		return err
	})
	if r.errors > 0 {
		return r, fmt.Errorf("%d of %d raw creates failed", r.errors, len(bodies))
	}
	return r, nil
}

func runAPI(ctx context.Context, o IntakeOptions, bodies []cases.NewCase) (runResult, error) {
	raw := make([][]byte, len(bodies))
	for i := range bodies {
		var err error
		if raw[i], err = json.Marshal(bodies[i]); err != nil {
			return runResult{}, err
		}
	}
	return postEach(ctx, o, "api", "/api/v1/cases", "application/json", raw, http.StatusCreated,
		func(i int) string { return fmt.Sprintf("api-%d", i) })
}
