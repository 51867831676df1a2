package sqlstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/store"
	"yiwang/internal/store/sqlstore"
)

// Environment markers of the helper child process.
const (
	helperEnv    = "YIWANG_STORE_HELPER"
	helperDSNEnv = "YIWANG_STORE_HELPER_DSN"
)

// TestHelperWriter is not a test: it is the child process of the durability
// tests. It creates cases from several goroutines forever, printing each id
// as soon as Create has acknowledged it, until it is killed.
func TestHelperWriter(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for the durability tests")
	}
	s, err := sqlstore.Open(context.Background(), os.Getenv(helperDSNEnv), sqlstore.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				c, _, err := s.Create(context.Background(), store.CreateRequest{
					Case:  cases.NewCase{Channel: cases.ChannelSensor, Title: fmt.Sprintf("耐久 %d/%d", g, i), Category: "01"},
					Actor: "durability"})
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(3)
				}
				mu.Lock()
				fmt.Fprintln(os.Stdout, c.ID) // one write(2): the parent sees it at once
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

var ackPattern = regexp.MustCompile(`^[A-Z]+-\d{8}-\d{6,}$`)

// killRound starts the helper on dsn, SIGKILLs it after a random number of
// acknowledged creates and returns every id it acknowledged.
func killRound(t *testing.T, dsn string, r *rand.Rand) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=1", helperDSNEnv+"="+dsn)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	killAfter := 20 + r.IntN(400)
	var acked []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if !ackPattern.MatchString(line) {
			continue
		}
		acked = append(acked, line)
		if len(acked) == killAfter {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Lines already in the pipe when the kill landed were acknowledged too.
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != -1 {
		t.Fatalf("helper did not die by the signal (err %v); it printed %d ids", err, len(acked))
	}
	return acked
}

// checkDurable kills a writing process repeatedly and checks that every
// create it acknowledged is in the store afterwards.
func checkDurable(t *testing.T, dsn string, rounds int) {
	r := rand.New(rand.NewPCG(uint64(os.Getpid()), 11))
	total, lost := 0, 0
	for round := range rounds {
		acked := killRound(t, dsn, r)
		if len(acked) == 0 {
			t.Fatalf("round %d: helper acknowledged nothing", round)
		}
		s, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		for _, id := range acked {
			if _, err := s.Get(context.Background(), id); err != nil {
				lost++
				t.Errorf("round %d: acknowledged case %s lost: %v", round, id, err)
			}
		}
		total += len(acked)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d rounds, %d acknowledged creates, %d lost", rounds, total, lost)
}

func TestDurabilitySQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	checkDurable(t, "sqlite:"+filepath.Join(t.TempDir(), "durable.sqlite"), 10)
}

func TestDurabilityPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	checkDurable(t, pgDatabase(t), 5)
}
