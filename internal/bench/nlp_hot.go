package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"syscall"
	"time"

	"yiwang/internal/demo"
	"yiwang/internal/nlp/hot"
)

// benchHot clusters n GENERATED messages — perturbations of the embedded
// real messages (see perturb) with random reporters, districts and times
// within 90 days — and returns the seconds Cluster took, the CPU seconds
// the process used meanwhile (user + system, all threads: independent of
// other processes' load), the bytes it allocated and the number of issues
// found.
func benchHot(msgs []demo.Message, n int, seed uint64) hotResult {
	return benchHotWith(msgs, n, seed, hot.Options{})
}

// benchHotWith is benchHot with the clustering options given (the baseline:
// GramNames, issues named by character grams as before whole words).
func benchHotWith(msgs []demo.Message, n int, seed uint64, opts hot.Options) hotResult {
	r := rand.New(rand.NewPCG(seed, 7))
	now := time.Date(2020, 1, 27, 0, 0, 0, 0, time.UTC)
	gen := make([]hot.Message, n)
	for i := range gen {
		m := msgs[r.IntN(len(msgs))]
		title := []rune(m.Title)
		body := []rune(m.Body)
		gen[i] = hot.Message{
			ID: fmt.Sprintf("gen-%d", i), Reporter: fmt.Sprintf("gen-user-%d", r.IntN(n)),
			Title: perturb(r, title), Body: perturb(r, body[:min(len(body), 300)]),
			Area: fmt.Sprintf("A%d区", 1+r.IntN(9)), Time: now.Add(-time.Duration(r.IntN(90*24*3600)) * time.Second),
			Support: r.IntN(3),
		}
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := cpuSeconds()
	start := time.Now()
	issues := hot.Cluster(gen, now, opts)
	res := hotResult{wallS: time.Since(start).Seconds(), cpuS: cpuSeconds() - cpu0, issues: len(issues)}
	runtime.ReadMemStats(&after)
	res.allocMB = float64(after.TotalAlloc-before.TotalAlloc) / (1 << 20)
	return res
}

type hotResult struct {
	wallS, cpuS, allocMB float64
	issues               int
}

// cpuSeconds is the user + system CPU time of this process so far (0 where
// getrusage fails).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
