package bench

import (
	"fmt"
	"math/rand/v2"
	"time"

	"yiwang/internal/demo"
	"yiwang/internal/nlp/hot"
)

// benchHot clusters n GENERATED messages — perturbations of the embedded
// real messages (see perturb) with random reporters, districts and times
// within 90 days — and returns the seconds Cluster took and the number of
// issues found.
func benchHot(msgs []demo.Message, n int, seed uint64) (float64, int) {
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
	start := time.Now()
	issues := hot.Cluster(gen, now, hot.Options{})
	return time.Since(start).Seconds(), len(issues)
}
