package sense

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/sense/alarm"
	"yiwang/internal/sense/lineproto"
	"yiwang/internal/sense/rules"
	"yiwang/internal/sense/tsdb"
	"yiwang/internal/store/memstore"
	"yiwang/internal/store/sqlstore"
	"yiwang/internal/workflow"
)

// caseCall is one OnCase call.
type caseCall struct {
	alarm   alarm.Alarm
	c       cases.Case
	created bool
}

// clock is the pipelines' time: t0 plus the minutes stored.
type clock struct{ min atomic.Int64 }

func (c *clock) now() time.Time { return t0.Add(time.Duration(c.min.Load()) * time.Minute) }

func persistentPipeline(t *testing.T, dir string, wf alarm.Cases, calls chan caseCall, clk *clock) *Pipeline {
	t.Helper()
	rs, err := rules.ParseBytes([]byte(testRules))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Options{Registry: testRegistry(t), Rules: rs, Cases: wf, Now: clk.now,
		TickEvery: time.Hour, MinHold: time.Nanosecond, DataDir: dir,
		OnCase: func(a alarm.Alarm, c cases.Case, created bool) { calls <- caseCall{a, c, created} }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// waterLevels is line protocol for WL1 at minute k (from the minute first
// before t0) and P1 every tenth minute; the values stay below the alarm.
func waterLevels(first, n int) string {
	var b strings.Builder
	for k := range n {
		at := t0.Add(time.Duration(k-first) * time.Minute).UnixNano()
		fmt.Fprintf(&b, "water_level,sensor=WL1,unit=m value=%.2f %d\n", 27+float64(k%40)/100, at)
		if k%10 == 0 {
			fmt.Fprintf(&b, "pump_state,sensor=P1 value=%d %d\n", k/10%2, at)
		}
	}
	return b.String()
}

func post(t *testing.T, url, body string) {
	t.Helper()
	resp, err := http.Post(url+"/write", "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("write: %s", resp.Status)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	return string(b)
}

// queries are the reads that must answer the same after a restart.
var queries = []string{
	"/sensors/WL1/readings?from=2026-06-29T00:00:00Z&to=2026-07-01T08:30:00Z",
	"/sensors/WL1/readings?from=2026-06-29T00:00:00Z&to=2026-07-01T08:30:00Z&rollup=1m",
	"/sensors/WL1/readings?from=2026-06-29T00:00:00Z&to=2026-07-01T08:30:00Z&rollup=1h",
	"/sensors/P1/readings?from=2026-06-29T00:00:00Z&to=2026-07-01T08:30:00Z&rollup=1h",
	"/latest?area=420102",
}

// TestRestartContinues runs a pipeline over a data directory, ingests
// 1,500 readings (sealed blocks and heads), raises an alarm that opens a
// case and acknowledges it, stops it (Run returns), and opens a new
// pipeline over the same directory and case store: the queries over the
// range before the restart answer the same, the alarm is still open and
// acknowledged with its case, the rule firing again opens no second case,
// and the clear is noted on the original case.
func TestRestartContinues(t *testing.T) {
	dir := t.TempDir()
	st := memstore.New(memstore.Options{}) // the node's database, which outlives the process
	defer st.Close()
	wf, err := workflow.New(workflow.Options{Store: st, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	calls := make(chan caseCall, 8)
	var clk clock
	p1 := persistentPipeline(t, dir, wf, calls, &clk)
	ctx1, stop1 := context.WithCancel(context.Background())
	done1 := make(chan error)
	go func() { done1 <- p1.Run(ctx1) }()
	srv1 := httptest.NewServer(p1.Handler())
	body := waterLevels(1500, 1500)
	half := strings.Index(body[len(body)/2:], "\n") + len(body)/2 + 1
	post(t, srv1.URL, body[:half])
	post(t, srv1.URL, body[half:])
	post(t, srv1.URL, fmt.Sprintf("water_level,sensor=WL1,unit=m value=28.7 %d\n", t0.UnixNano()))
	first := <-calls
	if !first.created {
		t.Fatalf("the alarm's case was not created: %+v", first)
	}
	resp, err := http.Post(srv1.URL+"/alarms/"+first.alarm.ID+"/ack?by=值班员", "", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("ack: %v %v", err, resp.Status)
	}
	want := map[string]string{}
	for _, q := range queries {
		want[q] = get(t, srv1.URL+q)
	}
	srv1.Close()
	stop1()
	<-done1
	if d := p1.DB.Disk(); d.Blocks == 0 || d.Heads == 0 {
		t.Fatalf("nothing written: %+v", d)
	}

	clk.min.Store(3) // the restart took three minutes
	p2 := persistentPipeline(t, dir, wf, calls, &clk)
	ctx2, stop2 := context.WithCancel(context.Background())
	done2 := make(chan error)
	go func() { done2 <- p2.Run(ctx2) }()
	defer func() { stop2(); <-done2 }() // its last checkpoint before the directory goes
	srv2 := httptest.NewServer(p2.Handler())
	defer srv2.Close()
	for _, q := range queries {
		if got := get(t, srv2.URL+q); got != want[q] {
			t.Fatalf("GET %s after the restart:\n%.300s\nbefore:\n%.300s", q, got, want[q])
		}
	}
	open := p2.Alarms.Open()
	if len(open) != 1 || open[0].ID != first.alarm.ID || open[0].State != alarm.Acknowledged || open[0].CaseID != first.c.ID {
		t.Fatalf("open alarms after the restart: %+v, want %s acknowledged with case %s", open, first.alarm.ID, first.c.ID)
	}
	// Still above the clear level: the rule keeps firing (no call); then
	// below it: the alarm clears, noted on its case.
	post(t, srv2.URL, fmt.Sprintf("water_level,sensor=WL1,unit=m value=28.9 %d\n", t0.Add(time.Minute).UnixNano()))
	post(t, srv2.URL, fmt.Sprintf("water_level,sensor=WL1,unit=m value=27.5 %d\n", t0.Add(2*time.Minute).UnixNano()))
	c := <-calls
	if c.created || c.c.ID != first.c.ID || c.alarm.ID != first.alarm.ID {
		t.Fatalf("after the restart: %+v, want the clearing noted on case %s", c, first.c.ID)
	}
	if st := p2.Alarms.Stats(); st.CasesCreated != 1 || st.Cleared != 1 {
		t.Fatalf("alarm stats after the restart: %+v", st)
	}
	var n int
	for _, q := range []string{"/sensors/WL1/readings?from=2026-06-29T00:00:00Z&to=2026-07-01T08:30:00Z"} {
		n = strings.Count(get(t, srv2.URL+q), `"T"`)
	}
	if n != 1503 {
		t.Fatalf("%d WL1 readings after the restart and two more, want 1503", n)
	}
}

// killEnv makes the test binary the child of TestKillRestart.
const killEnv = "YIWANG_SENSE_KILL_CHILD"

// TestKillRestart runs a child process that ingests readings, raises an
// alarm whose case it creates (SQLite case store), checkpoints as Run's
// tick does, ingests more and is then killed with SIGKILL. The restarted
// pipeline holds exactly the readings of the checkpoint, the alarm is
// open with its case, and clearing it notes that case: no second case.
func TestKillRestart(t *testing.T) {
	if dir := os.Getenv(killEnv); dir != "" {
		killChild(t, dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillRestart$", "-test.v")
	cmd.Env = append(os.Environ(), killEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	ready := false
	for sc.Scan() {
		if sc.Text() == "CHILD READY" {
			ready = true
			break
		}
	}
	if !ready {
		cmd.Wait()
		t.Fatal("the child stopped before it was ready")
	}
	cmd.Process.Kill()
	cmd.Wait()

	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(dir, "cases.db"), sqlstore.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	wf, err := workflow.New(workflow.Options{Store: st, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	calls := make(chan caseCall, 8)
	var clk clock
	clk.min.Store(10)
	p := persistentPipeline(t, dir, wf, calls, &clk)
	got, _ := p.DB.Range(0, 0, t0.Add(time.Hour).UnixNano())
	if len(got) != 1201 || got[len(got)-1].V != 28.7 {
		t.Fatalf("%d WL1 readings after the kill (last %+v), want the 1,201 of the checkpoint", len(got), got[len(got)-1])
	}
	open := p.Alarms.Open()
	if len(open) != 1 || open[0].CaseID == "" {
		t.Fatalf("open alarms after the kill: %+v", open)
	}
	ingest(t, p, fmt.Sprintf("water_level,sensor=WL1,unit=m value=27.5 %d\n", t0.Add(5*time.Minute).UnixNano()))
	if err := p.Alarms.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	c := <-calls
	if c.created || c.c.ID != open[0].CaseID {
		t.Fatalf("clearing after the kill: %+v, want a note on case %s", c, open[0].CaseID)
	}
	if len(calls) != 0 {
		t.Fatalf("more case calls: %+v", <-calls)
	}
}

// ingest puts line protocol through the pipeline synchronously.
func ingest(t *testing.T, p *Pipeline, body string) {
	t.Helper()
	b, err := p.Ingester.NewBatch(p.o.Now())
	if err != nil {
		t.Fatal(err)
	}
	var ps lineproto.Parser
	if bad := p.Ingester.AddLines(b, &ps, []byte(body), "test"); bad != 0 {
		t.Fatalf("%d lines rejected: %v", bad, p.Ingester.Stats().Quarantine)
	}
	p.Process(context.Background(), b)
	p.Ingester.Discard(b)
}

func killChild(t *testing.T, dir string) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(dir, "cases.db"), sqlstore.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	wf, err := workflow.New(workflow.Options{Store: st, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	calls := make(chan caseCall, 8)
	p := persistentPipeline(t, dir, wf, calls, &clock{})
	ingest(t, p, waterLevels(1200, 1200))
	ingest(t, p, fmt.Sprintf("water_level,sensor=WL1,unit=m value=28.7 %d\n", t0.UnixNano()))
	if err := p.Alarms.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if c := <-calls; !c.created {
		t.Fatalf("child: no case created: %+v", c)
	}
	if err := p.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	// After the checkpoint: lost with the process.
	ingest(t, p, fmt.Sprintf("water_level,sensor=WL1,unit=m value=28.8 %d\n", t0.Add(time.Minute).UnixNano()))
	fmt.Println("CHILD READY")
	select {} // killed here
}

// BenchmarkCheckpoint measures a checkpoint of 10,000 sensors' heads
// (every tick writes one) and reports the bytes on disk per reading.
func BenchmarkCheckpoint(b *testing.B) {
	const n = 10000
	p := benchPipeline(b, n)
	dir := b.TempDir()
	db, err := tsdb.Open(tsdb.Options{Series: n, Dir: dir, Name: p.seriesName})
	if err != nil {
		b.Fatal(err)
	}
	for k := range 300 {
		for i := range int32(n) {
			db.Append(i, t0.Add(time.Duration(k)*time.Minute).UnixNano(), float64(1000+(k+int(i))%7)/100)
		}
	}
	for b.Loop() {
		if err := db.Checkpoint(); err != nil {
			b.Fatal(err)
		}
	}
	d := db.Disk()
	b.ReportMetric(float64(d.Blocks+d.Hours+d.Heads)/float64(300*n), "disk-bytes/reading")
}
