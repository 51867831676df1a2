package demo

import (
	"slices"

	"yiwang/internal/nlp/text"
)

// similarity finds, for an unanswered message, an earlier case with a very
// similar title (character-bigram Jaccard ≥ mergeThreshold among the
// previous mergeWindow cases) to merge into.
type similarity struct {
	grams [][]uint64
}

const (
	mergeThreshold = 0.5
	mergeWindow    = 400
)

func newSimilarity(items []item) similarity {
	s := similarity{grams: make([][]uint64, len(items))}
	for i, it := range items {
		rs := []rune(it.msg.Title)
		g := make([]uint64, 0, len(rs))
		for j := 0; j+1 < len(rs); j++ {
			g = append(g, uint64(rs[j])<<32|uint64(rs[j+1]))
		}
		slices.Sort(g)
		s.grams[i] = slices.Compact(g)
	}
	return s
}

// parent returns the index of the most similar earlier item, or -1.
func (s similarity) parent(i int) int {
	best, bestJ := -1, mergeThreshold
	for j := max(0, i-mergeWindow); j < i; j++ {
		if v := jaccard(s.grams[i], s.grams[j]); v >= bestJ {
			best, bestJ = j, v
		}
	}
	return best
}

func jaccard(a, b []uint64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := text.CommonSorted(a, b)
	return float64(inter) / float64(len(a)+len(b)-inter)
}
