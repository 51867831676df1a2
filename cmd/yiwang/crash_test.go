package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"yiwang/internal/auth"
	"yiwang/internal/pgtest"
	"yiwang/internal/platform"
)

// When this variable is set the test binary runs `yiwang` itself with the
// remaining arguments: the crash test's server child process.
const childEnv = "YIWANG_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		args := strings.Split(os.Getenv("YIWANG_TEST_ARGS"), "\x1f")
		if err := run(context.Background(), args, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var addrRe = regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`)

// startServer runs `yiwang serve` in a child process and returns its base
// URL once it answers /healthz.
func startServer(t *testing.T, db string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1",
		"YIWANG_TEST_ARGS="+strings.Join([]string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "info",
			"--attachments", filepath.Join(t.TempDir(), "files"), "--escalate-every", "0", "--rate", "0", "--classifier=false"}, "\x1f"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	var logBuf bytes.Buffer
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			logBuf.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := addrRe.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addrc <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case addr := <-addrc:
		return cmd, "http://" + addr
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("server did not start; its log:\n%s", logBuf.String())
	}
	return nil, ""
}

// TestKill9LosesNoAcknowledgedCase creates cases through the HTTP API with
// several clients, kills the server with SIGKILL right after some responses,
// restarts it and checks every case that was acknowledged (201) is there.
func TestKill9LosesNoAcknowledgedCase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	t.Run("sqlite", func(t *testing.T) { kill9Rounds(t, "sqlite:"+filepath.Join(t.TempDir(), "crash.db")) })
	t.Run("postgres", func(t *testing.T) { kill9Rounds(t, pgtest.Database(t, "yiwang_crash_test")) })
}

func kill9Rounds(t *testing.T, db string) {
	r := rand.New(rand.NewPCG(9, 9))
	const rounds = 5
	client := &http.Client{Timeout: 10 * time.Second, Transport: platform.BearerTransport(adminToken(t, db), nil)}
	var acked []string
	for round := 0; round < rounds; round++ {
		cmd, base := startServer(t, db)
		killAfter := 20 + r.IntN(200)
		ids := createUntilKilled(t, cmd, base, killAfter, client)
		if len(ids) < killAfter {
			t.Fatalf("round %d: only %d acknowledgements before the kill, want %d", round, len(ids), killAfter)
		}
		acked = append(acked, ids...)
	}
	cmd, base := startServer(t, db)
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	lost := 0
	for _, id := range acked {
		resp, err := client.Get(base + "/api/v1/cases/" + id)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			lost++
		}
	}
	t.Logf("%d rounds, %d acknowledged cases, %d lost", rounds, len(acked), lost)
	if lost != 0 {
		t.Fatalf("%d of %d acknowledged cases lost after kill -9", lost, len(acked))
	}
}

// createUntilKilled posts cases from 8 clients and SIGKILLs the server as
// soon as killAfter responses were acknowledged; it returns the ids of
// every acknowledged case (including those answered while the kill lands).
func createUntilKilled(t *testing.T, cmd *exec.Cmd, base string, killAfter int, client *http.Client) []string {
	t.Helper()
	var mu sync.Mutex
	var ids []string
	var once sync.Once
	kill := func() { once.Do(func() { cmd.Process.Signal(syscall.SIGKILL) }) }
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				body := fmt.Sprintf(`{"channel":"hotline","title":"断电测试 %d-%d","description":"路灯不亮","category":"01","location":{"lat":30.58,"lon":114.27}}`, w, i)
				resp, err := client.Post(base+"/api/v1/cases", "application/json", strings.NewReader(body))
				if err != nil {
					return // the server is gone
				}
				var c struct {
					ID string `json:"id"`
				}
				err = json.NewDecoder(resp.Body).Decode(&c)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated || err != nil {
					t.Errorf("create: status %d, %v", resp.StatusCode, err)
					kill()
					return
				}
				mu.Lock()
				ids = append(ids, c.ID)
				n := len(ids)
				mu.Unlock()
				if n >= killAfter {
					kill()
				}
			}
		}(w)
	}
	wg.Wait()
	cmd.Wait()
	return ids
}

// adminToken opens db in this process and returns an admin API token
// (the server started afterwards reads the same users).
func adminToken(t *testing.T, db string) string {
	t.Helper()
	node, err := platform.Open(context.Background(), platform.Options{DB: db, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	tok, err := node.MachineToken(context.Background(), "crash-test", auth.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
