package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"yiwang/internal/auth"
	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/geo"
	"yiwang/internal/open311"
	"yiwang/internal/platform"
)

// Open311Options configure `yiwang bench open311`.
type Open311Options struct {
	// N requests are created through each path; C clients run concurrently.
	N, C int
	// DB is "sqlite" (a fresh file in a temporary directory) or a
	// postgres:// URL (a fresh database is created beside it and dropped).
	DB     string
	Logger *slog.Logger
}

// Open311Result is what `yiwang bench open311 --json` prints.
type Open311Result struct {
	Store string `json:"store"`
	N     int    `json:"n"`
	C     int    `json:"c"`
	// Open311PerS and its percentiles measure POST
	// /open311/v2/requests.json end to end: form parsing, attribute
	// checks, geography, retry fingerprint, workflow create with
	// automatic dispatch, durable store write, JSON answer.
	Open311PerS  float64 `json:"open311_per_s"`
	Open311P50Ms float64 `json:"open311_p50_ms"`
	Open311P99Ms float64 `json:"open311_p99_ms"`
	// JSONPerS and its percentiles measure the platform's own POST
	// /api/v1/cases with the same cases, clients and store: the baseline.
	JSONPerS  float64 `json:"json_per_s"`
	JSONP50Ms float64 `json:"json_p50_ms"`
	JSONP99Ms float64 `json:"json_p99_ms"`
	// Ratio is JSONPerS / Open311PerS: the cost of the Open311 path
	// relative to the native one (above 1: Open311 is slower).
	Ratio  float64 `json:"ratio"`
	Errors int64   `json:"errors"`
}

// Open311 runs the Open311 intake benchmark: the Open311 path, then the
// platform's JSON create, each on a fresh store with rate limits off.
func Open311(ctx context.Context, o Open311Options) (Open311Result, error) {
	if o.N < 1 || o.C < 1 {
		return Open311Result{}, fmt.Errorf("n and c must be at least 1 (got n=%d c=%d)", o.N, o.C)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	res := Open311Result{Store: storeKind(o.DB), N: o.N, C: o.C}
	idx, err := geo.Load()
	if err != nil {
		return res, err
	}
	tax, err := category.Default()
	if err != nil {
		return res, err
	}
	reqs, err := makeOpen311Requests(idx, tax, o.N)
	if err != nil {
		return res, err
	}
	nodes := IntakeOptions{N: o.N, C: o.C, DB: o.DB, Logger: o.Logger}

	forms := make([][]byte, len(reqs))
	for i, r := range reqs {
		forms[i] = []byte(r.form.Encode())
	}
	op, err := postEach(ctx, nodes, "open311", open311.Prefix+"requests.json", "application/x-www-form-urlencoded", forms, http.StatusOK, nil)
	if err != nil {
		return res, fmt.Errorf("open311 run: %w", err)
	}
	res.Open311PerS, res.Open311P50Ms, res.Open311P99Ms = op.perS, op.p50, op.p99

	bodies := make([][]byte, len(reqs))
	for i, r := range reqs {
		if bodies[i], err = json.Marshal(r.native); err != nil {
			return res, err
		}
	}
	js, err := postEach(ctx, nodes, "o311_json", "/api/v1/cases", "application/json", bodies, http.StatusCreated,
		func(i int) string { return "bench-" + strconv.Itoa(i) })
	if err != nil {
		return res, fmt.Errorf("JSON run: %w", err)
	}
	res.JSONPerS, res.JSONP50Ms, res.JSONP99Ms = js.perS, js.p50, js.p99
	res.Errors = op.errors + js.errors
	if res.Open311PerS > 0 {
		res.Ratio = res.JSONPerS / res.Open311PerS
	}
	return res, nil
}

// benchRequest is one generated request in both forms.
type benchRequest struct {
	form   url.Values
	native cases.NewCase
}

// makeOpen311Requests builds n distinct requests (generated for the
// benchmark) for the sanitation service, which has a required list
// attribute and a number attribute, at random points inside Wuhan, from
// 200 devices; the native form carries the same category, point, text and
// reporter.
func makeOpen311Requests(idx *geo.Index, tax *category.Taxonomy, n int) ([]benchRequest, error) {
	cat, ok := findPath(tax, "城乡建设 / 城市建设和市政管理 / 环境卫生")
	if !ok {
		return nil, fmt.Errorf("the taxonomy has no 环境卫生 service")
	}
	r := rand.New(rand.NewPCG(42, 11))
	districts := idx.Areas(geo.LevelDistrict)
	out := make([]benchRequest, n)
	for i := range out {
		p := idx.RandomPointIn(districts[r.IntN(len(districts))].Code, r)
		lat, lon := p.Lat(), p.Lon()
		desc := fmt.Sprintf("（基准测试生成 %d）小区门口垃圾桶满溢，三天无人清运，请尽快处理。", i)
		phone := fmt.Sprintf("139%08d", i)
		out[i].form = url.Values{
			"service_code": {cat.Code}, "lat": {strconv.FormatFloat(lat, 'f', -1, 64)}, "long": {strconv.FormatFloat(lon, 'f', -1, 64)},
			"attribute[waste_type]": {"overflow"}, "attribute[duration_days]": {"3"},
			"description": {desc}, "first_name": {"测试"}, "last_name": {"王"}, "phone": {phone},
			"device_id": {"bench-device-" + strconv.Itoa(i%200)},
		}
		out[i].native = cases.NewCase{
			Channel: cases.ChannelApp, Title: "环境卫生：" + desc, Description: desc, Category: cat.Code,
			Severity: cases.SeverityNormal, Location: cases.Location{Lat: &lat, Lon: &lon},
			Reporter: cases.Reporter{Name: "王测试", Phone: phone},
		}
	}
	return out, nil
}

func findPath(tax *category.Taxonomy, path string) (category.Category, bool) {
	for _, c := range tax.All() {
		if c.Path == path {
			return c, true
		}
	}
	return category.Category{}, false
}

// postEach serves a fresh node on loopback and posts each body to path
// from o.C clients, expecting status for every one.
func postEach(ctx context.Context, o IntakeOptions, tag, path, contentType string, bodies [][]byte, status int,
	idemKey func(int) string) (runResult, error) {
	node, cleanup, err := openFresh(ctx, o, tag)
	if err != nil {
		return runResult{}, err
	}
	defer cleanup()
	base, stop, err := node.ServeLocal(ctx)
	if err != nil {
		return runResult{}, err
	}
	defer stop()
	token, err := node.MachineToken(ctx, "bench", auth.RoleDevice)
	if err != nil {
		return runResult{}, err
	}
	client := &http.Client{Transport: platform.BearerTransport(token, &http.Transport{MaxIdleConnsPerHost: o.C, MaxConnsPerHost: o.C}), Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	var firstErr atomic.Value
	r := drive(len(bodies), o.C, func(i int) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(bodies[i]))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", contentType)
		if idemKey != nil {
			req.Header.Set("Idempotency-Key", idemKey(i))
		}
		resp, err := client.Do(req)
		if err != nil {
			firstErr.CompareAndSwap(nil, err)
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != status {
			err := fmt.Errorf("status %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
			firstErr.CompareAndSwap(nil, err)
			return err
		}
		return nil
	})
	if r.errors > 0 {
		return r, fmt.Errorf("%d of %d creates failed, first: %v", r.errors, len(bodies), firstErr.Load())
	}
	return r, nil
}
