package classify

import (
	"math/rand/v2"
	"slices"
)

// stratifiedFolds assigns each index of classes to one of k folds so that
// every class is spread evenly: within a class, shuffled with seed, then
// dealt round-robin (continuing where the previous class stopped). It
// returns the fold of each index.
func stratifiedFolds(classes []int, k int, seed uint64) [][]bool {
	byClass := map[int][]int{}
	var keys []int
	for i, c := range classes {
		if _, ok := byClass[c]; !ok {
			keys = append(keys, c)
		}
		byClass[c] = append(byClass[c], i)
	}
	slices.Sort(keys)
	rng := rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d))
	folds := make([][]bool, k)
	for f := range folds {
		folds[f] = make([]bool, len(classes))
	}
	next := 0
	for _, c := range keys {
		idx := byClass[c]
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for _, i := range idx {
			folds[next%k][i] = true
			next++
		}
	}
	return folds
}

// split returns the rows outside and inside a fold (inFold is indexed like
// rows).
func split(rows []int, inFold []bool) (train, test []int) {
	for i, r := range rows {
		if inFold[i] {
			test = append(test, r)
		} else {
			train = append(train, r)
		}
	}
	return train, test
}

// Folds returns a stratified assignment of examples to k folds (0..k-1) by
// label, the same assignment CrossValidate uses for the seed.
func Folds(examples []Example, k int, seed uint64) []int {
	labels := map[string]int{}
	classes := make([]int, len(examples))
	var names []string
	for _, e := range examples {
		if _, ok := labels[e.Label]; !ok {
			labels[e.Label] = 0
			names = append(names, e.Label)
		}
	}
	slices.Sort(names)
	for i, n := range names {
		labels[n] = i
	}
	for i, e := range examples {
		classes[i] = labels[e.Label]
	}
	out := make([]int, len(examples))
	for f, in := range stratifiedFolds(classes, k, seed) {
		for i, ok := range in {
			if ok {
				out[i] = f
			}
		}
	}
	return out
}
