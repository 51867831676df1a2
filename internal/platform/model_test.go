package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yiwang/internal/nlp/hier"
	"yiwang/internal/nlp/hier/hiertest"
	"yiwang/internal/pgtest"
	"yiwang/internal/workflow"
)

// tinyModelFile writes hiertest.TinyModel as a model file (first-level
// category names as labels).
func tinyModelFile(t testing.TB, lamp, school string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := hier.WriteModel(&b, hiertest.TinyModel(t, lamp, school)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Model A answers 城乡建设 (01) for a lamp message, model B 教育文体 (14).
const (
	answerA = "01"
	answerB = "14"
)

// modelFiles writes models A and B; A's path is returned for
// Options.ModelFile.
func modelFiles(t testing.TB) (pathA string, fileA, fileB []byte) {
	t.Helper()
	fileA, fileB = tinyModelFile(t, "城乡建设", "教育文体"), tinyModelFile(t, "教育文体", "城乡建设")
	pathA = filepath.Join(t.TempDir(), "a.model")
	if err := os.WriteFile(pathA, fileA, 0o600); err != nil {
		t.Fatal(err)
	}
	return pathA, fileA, fileB
}

// gatedTrainer returns model B after a value arrives on gate, counting
// its calls.
type gatedTrainer struct {
	gate  chan struct{}
	calls atomic.Int32
	file  []byte
}

func (g *gatedTrainer) train(ctx context.Context, _ []hier.Example) (*hier.Model, int, error) {
	g.calls.Add(1)
	if g.gate != nil {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
	}
	m, err := hier.ReadModel(bytes.NewReader(g.file))
	return m, 299, err
}

// openModelNode opens a node with the classifier from model file A over
// db ("" for a fresh SQLite file).
func openModelNode(t *testing.T, db string, o Options) *Node {
	t.Helper()
	if db == "" {
		db = "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	}
	o.DB, o.Classifier, o.PasswordHash = db, true, testHash
	o.Logger = slog.New(slog.DiscardHandler)
	n, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func send(t testing.TB, h http.Handler, method, path, contentType string, body []byte, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

type modelState struct {
	ClassifierReady bool                    `json:"classifier_ready"`
	Model           *workflow.ModelInfo     `json:"model"`
	Retrain         *workflow.RetrainStatus `json:"retrain"`
	Every           int64                   `json:"retrain_every_seconds"`
}

func getModel(t testing.TB, h http.Handler) (modelState, http.Header) {
	t.Helper()
	rec := send(t, h, "GET", "/api/v1/nlp/model", "", nil)
	var out modelState
	if rec.Code != 200 {
		t.Fatalf("GET model: %d %s", rec.Code, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out, rec.Header()
}

// suggestTop posts a lamp message to /api/v1/suggest and returns the
// status and the first category.
func suggestTop(h http.Handler) (int, string, string) {
	req := httptest.NewRequest("POST", "/api/v1/suggest", strings.NewReader(`{"title":"路灯不亮","body":"小区路灯晚上不亮"}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out struct {
		Ready      bool `json:"classifier_ready"`
		Categories []struct {
			Category string `json:"category"`
		} `json:"categories"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || !out.Ready || len(out.Categories) == 0 {
		return rec.Code, "", rec.Body.String()
	}
	return rec.Code, out.Categories[0].Category, ""
}

func putModel(t testing.TB, h http.Handler, file []byte, ifMatch string) *httptest.ResponseRecorder {
	t.Helper()
	var hdr []string
	if ifMatch != "" {
		hdr = []string{"If-Match", ifMatch}
	}
	return send(t, h, "PUT", "/api/v1/nlp/model", "application/octet-stream", file, hdr...)
}

// TestModelSwapUnderSuggestLoad: models are swapped by PUT while
// /api/v1/suggest requests flow from several goroutines: none fails, each
// answer comes from the old or the new model, and every request started
// after a PUT answered comes from the new one. The node started from a
// model file and never trained.
func TestModelSwapUnderSuggestLoad(t *testing.T) {
	pathA, fileA, fileB := modelFiles(t)
	tr := &gatedTrainer{file: fileB}
	n := openModelNode(t, "", Options{ModelFile: pathA, Trainer: tr.train})
	h := asAdmin(t, n)
	st, hdr := getModel(t, h)
	if !st.ClassifierReady || st.Model == nil || st.Model.Version != 1 || st.Model.Source != workflow.ModelUploaded ||
		!strings.HasPrefix(st.Model.By, "file:") || hdr.Get("ETag") != `"1"` {
		t.Fatalf("after start with a model file: %+v ETag %s", st, hdr.Get("ETag"))
	}
	type result struct {
		worker, gen int
		code        int
		top, body   string
	}
	const workers, swaps = 4, 8
	var gen atomic.Int32
	results := make(chan result, 4096)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				g := int(gen.Load())
				code, top, body := suggestTop(h)
				results <- result{worker: w, gen: g, code: code, top: top, body: body}
			}
		})
	}
	expect := func(g int) string { // model A at even generations, B at odd ones
		if g%2 == 0 {
			return answerA
		}
		return answerB
	}
	var all []result
	check := func(r result) {
		all = append(all, r)
		if r.code != 200 || r.top == "" {
			t.Errorf("suggest during swaps: %d %s", r.code, r.body)
			return
		}
		// Started at generation g: the model of g or, if a PUT ended
		// meanwhile, a later one.
		if r.top != expect(r.gen) && r.top != expect(r.gen+1) {
			t.Errorf("answer %s at generation %d is from neither model", r.top, r.gen)
		}
	}
	for i := 1; i <= swaps; i++ {
		file := fileA
		if i%2 == 1 {
			file = fileB
		}
		rec := putModel(t, h, file, fmt.Sprintf(`"%d"`, i))
		if rec.Code != 200 || rec.Header().Get("ETag") != fmt.Sprintf(`"%d"`, i+1) {
			t.Fatalf("PUT %d: %d %s", i, rec.Code, rec.Body)
		}
		gen.Store(int32(i))
		// Wait until every worker answered a request started after the PUT.
		seen := map[int]bool{}
		for len(seen) < workers {
			r := <-results
			check(r)
			if r.gen == i {
				seen[r.worker] = true
				if r.top != expect(i) {
					t.Errorf("request started after PUT %d answered %s, want %s", i, r.top, expect(i))
				}
			}
		}
	}
	close(stop)
	go func() { wg.Wait(); close(results) }()
	for r := range results {
		check(r)
	}
	t.Logf("%d suggestions during %d swaps", len(all), swaps)
	if tr.calls.Load() != 0 {
		t.Errorf("the node trained %d times; it was given a model file", tr.calls.Load())
	}
	if st, _ := getModel(t, h); st.Model.Version != swaps+1 {
		t.Errorf("version %d, want %d", st.Model.Version, swaps+1)
	}
}

// TestModelPutRefusals: a corrupt file or one with labels that are no
// categories is 422 naming the field and the old model still serves; a
// stale If-Match is 412 with the current version; a bad If-Match 400; a
// wrong media type 415.
func TestModelPutRefusals(t *testing.T) {
	pathA, fileA, _ := modelFiles(t)
	n := openModelNode(t, "", Options{ModelFile: pathA})
	h := asAdmin(t, n)
	alien := tinyModelFile(t, "城乡建设", "火星事务")
	tests := []struct {
		name, contentType, ifMatch string
		file                       []byte
		code                       int
		typ, field, mention        string
	}{
		{"corrupt", "application/octet-stream", "", []byte("\x1f\x8b corrupt"), 422, "invalid-model", "body", "refused"},
		{"truncated", "application/octet-stream", `"1"`, fileA[:len(fileA)/2], 422, "invalid-model", "body", "refused"},
		{"unknown label", "application/octet-stream", "", alien, 422, "invalid-model", "labels", "火星事务"},
		{"stale If-Match", "application/octet-stream", `"7"`, fileA, 412, "precondition-failed", "If-Match", "replaced"},
		{"bad If-Match", "application/octet-stream", `v1`, fileA, 400, "invalid-parameter", "If-Match", "quoted"},
		{"JSON", "application/json", "", fileA, 415, "unsupported-media-type", "Content-Type", "octet-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.ifMatch != "" {
				hdr = []string{"If-Match", tt.ifMatch}
			}
			rec := send(t, h, "PUT", "/api/v1/nlp/model", tt.contentType, tt.file, hdr...)
			var p struct {
				Type, Field, Detail string
				Current             int `json:"current_version"`
			}
			json.Unmarshal(rec.Body.Bytes(), &p)
			if rec.Code != tt.code || rec.Header().Get("Content-Type") != "application/problem+json" ||
				!strings.HasSuffix(p.Type, "/"+tt.typ) || p.Field != tt.field || !strings.Contains(p.Detail, tt.mention) {
				t.Fatalf("%d %s, want %d %s on %s mentioning %q", rec.Code, rec.Body, tt.code, tt.typ, tt.field, tt.mention)
			}
			if tt.code == 412 && p.Current != 1 {
				t.Errorf("current_version %d, want 1", p.Current)
			}
			if st, _ := getModel(t, h); st.Model.Version != 1 {
				t.Errorf("version %d after a refused PUT, want 1", st.Model.Version)
			}
			if code, top, body := suggestTop(h); code != 200 || top != answerA {
				t.Errorf("suggest after a refused PUT: %d %s %s, want %s from the old model", code, top, body, answerA)
			}
		})
	}
}

// TestModelRetrainOverHTTP: POST /api/v1/nlp/retrain answers 202 and
// trains in the background; a second request meanwhile is 409; GET shows
// the retrain running, then its result and the new version, which serves.
func TestModelRetrainOverHTTP(t *testing.T) {
	pathA, _, fileB := modelFiles(t)
	tr := &gatedTrainer{gate: make(chan struct{}), file: fileB}
	n := openModelNode(t, "", Options{ModelFile: pathA, Trainer: tr.train, RetrainEvery: 6 * time.Hour})
	h := asAdmin(t, n)
	rec := send(t, h, "POST", "/api/v1/nlp/retrain", "", nil)
	var started workflow.RetrainStatus
	json.Unmarshal(rec.Body.Bytes(), &started)
	if rec.Code != 202 || started.State != workflow.RetrainRunning || started.Trigger != workflow.TriggerRequest ||
		started.By != "test-admin" || rec.Header().Get("Location") != "/api/v1/nlp/model" {
		t.Fatalf("retrain: %d %s", rec.Code, rec.Body)
	}
	if rec := send(t, h, "POST", "/api/v1/nlp/retrain", "", nil); rec.Code != 409 || !strings.Contains(rec.Body.String(), "retrain-running") {
		t.Errorf("second retrain: %d %s, want 409 retrain-running", rec.Code, rec.Body)
	}
	st, _ := getModel(t, h)
	if st.Retrain == nil || st.Retrain.State != workflow.RetrainRunning || st.Model.Version != 1 || st.Every != 6*3600 {
		t.Errorf("while training: %+v", st)
	}
	tr.gate <- struct{}{}
	select {
	case <-n.Models.Idle():
	case <-time.After(time.Minute):
		t.Fatal("retrain not done after a minute")
	}
	st, hdr := getModel(t, h)
	if st.Model == nil || st.Model.Version != 2 || st.Model.Source != workflow.ModelTrained || st.Model.By != "test-admin" ||
		st.Model.TrainedAt == nil || st.Model.Examples == nil || st.Model.Examples.Embedded != 299 || hdr.Get("ETag") != `"2"` {
		t.Errorf("after the retrain: model %+v", st.Model)
	}
	if st.Retrain == nil || st.Retrain.State != workflow.RetrainSucceeded || st.Retrain.ModelVersion != 2 || st.Retrain.FinishedAt == nil {
		t.Errorf("after the retrain: retrain %+v", st.Retrain)
	}
	if code, top, body := suggestTop(h); code != 200 || top != answerB {
		t.Errorf("suggest after the retrain: %d %s %s, want %s", code, top, body, answerB)
	}
}

// TestModelNodesOverPostgres: two nodes over one PostgreSQL database see
// the same version after a PUT on one of them, and the scheduled retrain
// of a period is claimed, and trained, by one node only.
func TestModelNodesOverPostgres(t *testing.T) {
	dsn := pgtest.Database(t, "models")
	pathA, _, fileB := modelFiles(t)
	var mu sync.Mutex
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	tr := &gatedTrainer{file: fileB}
	o := Options{ModelFile: pathA, Trainer: tr.train, RetrainEvery: 24 * time.Hour, Now: clock}
	o.NodeName = "one"
	one := openModelNode(t, dsn, o)
	o.NodeName, o.ModelFile = "two", ""
	two := openModelNode(t, dsn, o)
	if _, err := two.Models.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	h1, h2 := asAdmin(t, one), asAdmin(t, two)
	if rec := putModel(t, h1, fileB, `"1"`); rec.Code != 200 {
		t.Fatalf("PUT on node one: %d %s", rec.Code, rec.Body)
	}
	if changed, err := two.Models.Refresh(t.Context()); err != nil || !changed {
		t.Fatalf("node two refresh: %v %v", changed, err)
	}
	s1, _ := getModel(t, h1)
	s2, _ := getModel(t, h2)
	if s1.Model.Version != 2 || s2.Model.Version != 2 || s1.Model.SHA256 != s2.Model.SHA256 {
		t.Errorf("node one %+v, node two %+v: want the same version 2", s1.Model, s2.Model)
	}
	if code, top, _ := suggestTop(h2); code != 200 || top != answerB {
		t.Errorf("node two suggests %s, want %s", top, answerB)
	}
	// The next day both nodes find the retrain due at once.
	mu.Lock()
	now = time.Date(2026, 11, 24, 0, 0, 30, 0, time.UTC)
	mu.Unlock()
	var claimed atomic.Int32
	var wg sync.WaitGroup
	for _, n := range []*Node{one, two} {
		wg.Go(func() {
			ok, err := n.Models.RetrainIfDue(t.Context())
			if err != nil {
				t.Error(err)
			}
			if ok {
				claimed.Add(1)
			}
		})
	}
	wg.Wait()
	for _, n := range []*Node{one, two} {
		<-n.Models.Idle()
	}
	if claimed.Load() != 1 || tr.calls.Load() != 1 {
		t.Fatalf("%d nodes claimed the period, %d trainings; want 1 and 1", claimed.Load(), tr.calls.Load())
	}
	for _, n := range []*Node{one, two} {
		if _, err := n.Models.Refresh(t.Context()); err != nil {
			t.Fatal(err)
		}
		if ok, err := n.Models.RetrainIfDue(t.Context()); ok || err != nil {
			t.Errorf("a second claim of the period: %v %v", ok, err)
		}
	}
	s1, _ = getModel(t, h1)
	s2, _ = getModel(t, h2)
	if s1.Model.Version != 3 || s2.Model.Version != 3 || s2.Retrain.Trigger != workflow.TriggerSchedule || s2.Retrain.State != workflow.RetrainSucceeded {
		t.Errorf("after the scheduled retrain: one %+v, two %+v %+v", s1.Model, s2.Model, s2.Retrain)
	}
}
