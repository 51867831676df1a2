package hot

import (
	"math"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"yiwang/internal/nlp/text"
)

// Message is one citizen message to cluster.
type Message struct {
	ID       string
	Reporter string // empty counts as a reporter of its own
	Title    string
	Body     string
	// Area is the message's area (district, grid); empty means: take the
	// first area code written in the text ("A5区"), if any.
	Area             string
	Time             time.Time
	Support, Against int
}

// Issue is a cluster of messages about one matter.
type Issue struct {
	Name      string    `json:"name"`  // area and key terms, e.g. "A5区 魅力之城/油烟/扰民"
	Terms     []string  `json:"terms"` // key terms, strongest first
	Area      string    `json:"area,omitempty"`
	Members   []string  `json:"members"` // message IDs, oldest first
	Reporters int       `json:"reporters"`
	Votes     int       `json:"votes"`  // support + against
	Recent    int       `json:"recent"` // messages in the 7 days before now
	First     time.Time `json:"first"`
	Last      time.Time `json:"last"`
	Heat      float64   `json:"heat"`
}

// Options tune clustering. Zero fields take the defaults named.
type Options struct {
	// Window: two messages more than this apart are never linked directly
	// (default 60 days).
	Window time.Duration
	// KeyTerms per message (default 12) and how many of them two messages
	// must share to be linked (default 4).
	KeyTerms, MinShared int
	// MinMembers: smaller clusters are not issues (default 2).
	MinMembers int
	// Lookback: only messages of the Lookback before now are clustered
	// (default: all messages up to now).
	Lookback time.Duration
}

func (o Options) withDefaults() Options {
	if o.Window <= 0 {
		o.Window = 60 * 24 * time.Hour
	}
	if o.KeyTerms <= 0 {
		o.KeyTerms = 12
	}
	if o.MinShared <= 0 {
		o.MinShared = 4
	}
	if o.MinMembers <= 0 {
		o.MinMembers = 2
	}
	return o
}

// Heat index of an issue, computed at now:
//
//	heat = 2·ln(1+reporters) + ln(1+votes) + ln(1+recent) + exp(−days since last message / 14)
//
// reporters: distinct reporters (messages without a reporter count one
// each); votes: support + against where known; recent: messages in the 7
// days before now (growth); the last term favours issues still active.
func Heat(reporters, votes, recent int, sinceLast time.Duration) float64 {
	days := max(0, sinceLast.Hours()/24)
	return 2*math.Log1p(float64(reporters)) + math.Log1p(float64(max(0, votes))) + math.Log1p(float64(recent)) + math.Exp(-days/14)
}

// areaCode finds the anonymised area code in a text ("A5区", "K8县").
var areaCode = regexp.MustCompile(`[A-Z]\d{1,2}[区县]`)

// textRunes bounds how much of a message is read: title and the start of
// the body carry the matter.
const textRunes = 300

// doc is a message prepared for clustering.
type doc struct {
	msg   int
	area  string
	t     int64
	terms []term // key terms
}

type term struct {
	h uint64
	w float64
}

// dfBits sizes the document-frequency table: grams are counted by hash in
// 2^dfBits slots (a collision only overstates a gram's frequency).
const dfBits = 23

// Cluster groups the messages up to now (within Lookback) into issues,
// hottest first. Messages are linked when they share at least MinShared of
// their key terms, are within Window of each other and are not in two
// different known areas; issues are the connected groups of at least
// MinMembers messages.
func Cluster(msgs []Message, now time.Time, opts Options) []Issue {
	o := opts.withDefaults()
	var docs []doc
	for i, m := range msgs {
		if m.Time.After(now) || o.Lookback > 0 && m.Time.Before(now.Add(-o.Lookback)) {
			continue
		}
		d := doc{msg: i, area: m.Area, t: m.Time.Unix()}
		if d.area == "" {
			d.area = areaCode.FindString(m.Title + " " + firstRunes(m.Body, textRunes))
		}
		docs = append(docs, d)
	}
	sort.SliceStable(docs, func(a, b int) bool { return docs[a].t < docs[b].t })
	df := make([]int32, 1<<dfBits)
	parallel(len(docs), func(buf []uint64, i int) []uint64 {
		buf = grams(msgs[docs[i].msg], buf[:0])
		for k, h := range buf {
			if k == 0 || h != buf[k-1] {
				atomic.AddInt32(&df[h&(1<<dfBits-1)], 1)
			}
		}
		return buf
	})
	// Terms in more than 2% of the messages (at least 20) say nothing about
	// one matter.
	common := int32(max(20, len(docs)/50))
	n := float64(len(docs))
	parallel(len(docs), func(buf []uint64, i int) []uint64 {
		buf = grams(msgs[docs[i].msg], buf[:0])
		docs[i].terms = keyTerms(buf, df, common, n, o.KeyTerms)
		return buf
	})
	parent := link(docs, o)
	groups := map[int][]int{}
	for i := range docs {
		r := find(parent, i)
		groups[r] = append(groups[r], i)
	}
	var issues []Issue
	for _, g := range groups {
		if len(g) >= o.MinMembers {
			issues = append(issues, makeIssue(docs, g, msgs, now))
		}
	}
	slices.SortFunc(issues, func(a, b Issue) int {
		switch {
		case a.Heat > b.Heat:
			return -1
		case a.Heat < b.Heat:
			return 1
		}
		return len(b.Members) - len(a.Members)
	})
	return issues
}

// link returns the union-find forest of docs linked by shared key terms
// within the window and area rules.
func link(docs []doc, o Options) []int {
	parent := make([]int, len(docs))
	for i := range parent {
		parent[i] = i
	}
	postings := map[uint64][]int32{}
	window := int64(o.Window / time.Second)
	shared := map[int32]int{}
	for i, d := range docs {
		clear(shared)
		for _, t := range d.terms {
			ps := postings[t.h]
			for k := len(ps) - 1; k >= 0; k-- {
				j := ps[k]
				if d.t-docs[j].t > window {
					break
				}
				shared[j]++
			}
		}
		for j, c := range shared {
			if c >= o.MinShared && (d.area == "" || docs[j].area == "" || d.area == docs[j].area) {
				union(parent, i, int(j))
			}
		}
		for _, t := range d.terms {
			postings[t.h] = append(postings[t.h], int32(i))
		}
	}
	return parent
}

// parallel calls fn(buf, i) for i in [0, n) on every processor, each
// worker reusing the buffer fn returns.
func parallel(n int, fn func(buf []uint64, i int) []uint64) {
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []uint64
			for i := w; i < n; i += workers {
				buf = fn(buf, i)
			}
		}()
	}
	wg.Wait()
}

// grams appends the hashes of the 2- and 3-grams of a message's title
// (twice: a title gram counts double) and of the start of its body, sorted.
func grams(m Message, buf []uint64) []uint64 {
	var rs []rune
	for _, s := range []string{m.Title, m.Title, firstRunes(m.Body, textRunes)} {
		rs = text.AppendNormalized(rs[:0], s)
		text.Grams(rs, func(h uint64, st, e int) {
			if e-st >= 2 {
				buf = append(buf, h)
			}
		})
	}
	slices.Sort(buf)
	return buf
}

// keyTerms returns the k grams of sorted of highest TF-IDF that are neither
// common nor unique to this message.
func keyTerms(sorted []uint64, df []int32, common int32, n float64, k int) []term {
	top := make([]term, 0, k)
	for i := 0; i < len(sorted); {
		j := i
		for j < len(sorted) && sorted[j] == sorted[i] {
			j++
		}
		h, tf := sorted[i], j-i
		i = j
		f := df[h&(1<<dfBits-1)]
		if f < 2 || f > common {
			continue
		}
		w := (1 + math.Log(float64(tf))) * math.Log(n/float64(f))
		if len(top) == k && w <= top[k-1].w {
			continue
		}
		if len(top) < k {
			top = append(top, term{})
		}
		p := len(top) - 1
		for ; p > 0 && top[p-1].w < w; p-- {
			top[p] = top[p-1]
		}
		top[p] = term{h, w}
	}
	return top
}

func firstRunes(s string, n int) string {
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}

func find(parent []int, i int) int {
	for parent[i] != i {
		parent[i] = parent[parent[i]]
		i = parent[i]
	}
	return i
}

func union(parent []int, a, b int) {
	ra, rb := find(parent, a), find(parent, b)
	if ra != rb {
		parent[max(ra, rb)] = min(ra, rb)
	}
}
