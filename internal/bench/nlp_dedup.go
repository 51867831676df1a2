package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"yiwang/internal/demo"
	"yiwang/internal/nlp/dedup"
)

// dedupResult is the duplicate-lookup part of `yiwang bench nlp`.
type dedupResult struct {
	items              int
	p50, p99           float64
	recall, falseMatch float64
}

// dupText is the part of a message the duplicate index reads.
func dupText(m demo.Message) []rune {
	rs := []rune(m.Title + "。" + m.Body)
	return rs[:min(len(rs), dedup.FingerprintRunes)]
}

// perturb returns a GENERATED variant of a real message: 1–6 random
// single-character edits (delete, replace or insert a character of the
// message) and sometimes a closing phrase.
func perturb(r *rand.Rand, rs []rune) string {
	out := append([]rune(nil), rs...)
	for range 1 + r.IntN(6) {
		if len(out) < 2 {
			break
		}
		i := r.IntN(len(out))
		switch r.IntN(3) {
		case 0:
			out = append(out[:i], out[i+1:]...)
		case 1:
			out[i] = rs[r.IntN(len(rs))]
		default:
			out = append(out[:i], append([]rune{rs[r.IntN(len(rs))]}, out[i:]...)...)
		}
	}
	if r.IntN(3) == 0 {
		out = append(out, []rune([]string{"谢谢！", "盼复。", "望尽快解决！"}[r.IntN(3)])...)
	}
	return string(out)
}

// benchDedup indexes n GENERATED perturbations of the embedded real
// messages (random district "A1区"…"A9区", random time within a year of
// the original) and times queries, each a fresh perturbation of an indexed
// item's source message in its area one day later. Recall is the share of
// queries that find that item; falseMatch the share of returned matches
// generated from another message (real near-duplicates among the source
// messages count here too).
func benchDedup(msgs []demo.Message, n, queries int, seed uint64) dedupResult {
	texts := make([][]rune, len(msgs))
	for i, m := range msgs {
		texts[i] = dupText(m)
	}
	type gen struct {
		src  int
		area string
		t    time.Time
		fp   uint64
	}
	items := make([]gen, n)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(w)))
			for i := w; i < n; i += workers {
				src := r.IntN(len(msgs))
				items[i] = gen{src: src, area: fmt.Sprintf("A%d区", 1+r.IntN(9)),
					t: msgs[src].CreatedAt.Add(time.Duration(r.IntN(365*24)) * time.Hour), fp: dedup.Fingerprint(perturb(r, texts[src]))}
			}
		}()
	}
	wg.Wait()
	ix := dedup.New(dedup.Options{})
	for i, g := range items {
		ix.AddFingerprint(fmt.Sprint(i), g.fp, g.area, g.t)
	}
	r := rand.New(rand.NewPCG(seed, 99))
	lat := make([]time.Duration, queries)
	found, matches, wrong := 0, 0, 0
	for q := range lat {
		i := r.IntN(n)
		g := items[i]
		text := perturb(r, texts[g.src])
		t0 := time.Now()
		ms := ix.Similar(text, g.area, g.t.Add(24*time.Hour))
		lat[q] = time.Since(t0)
		id := fmt.Sprint(i)
		for _, m := range ms {
			matches++
			var j int
			fmt.Sscan(m.ID, &j)
			if m.ID == id {
				found++
			}
			if items[j].src != g.src {
				wrong++
			}
		}
	}
	res := dedupResult{items: n, p50: percentileMs(lat, 50), p99: percentileMs(lat, 99), recall: float64(found) / float64(queries)}
	if matches > 0 {
		res.falseMatch = float64(wrong) / float64(matches)
	}
	return res
}
