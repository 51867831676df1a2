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
	Name      string    `json:"name"`  // area, place and key terms, e.g. "A5区魅力之城小区 烧烤油烟扰民"
	Terms     []string  `json:"terms"` // key terms, strongest first
	Area      string    `json:"area,omitempty"`
	Place     string    `json:"place,omitempty"` // the most specific place most members name ("魅力之城小区")
	Members   []string  `json:"members"`         // message IDs, oldest first
	Reporters int       `json:"reporters"`
	Votes     int       `json:"votes"`  // support + against
	Recent    int       `json:"recent"` // messages in the 7 days before now
	First     time.Time `json:"first"`
	Last      time.Time `json:"last"`
	Heat      float64   `json:"heat"`

	named []string // the place and terms the name shows (not the area)
}

// Options tune clustering. Zero fields take the defaults named.
type Options struct {
	// Window: two messages more than this apart are never linked directly
	// (default 60 days).
	Window time.Duration
	// KeyTerms per message (default 12, at most 255) and how many of them two messages
	// must share to be linked (default 4).
	KeyTerms, MinShared int
	// MinMembers: smaller clusters are not issues (default 2).
	MinMembers int
	// Lookback: only messages of the Lookback before now are clustered
	// (default: all messages up to now).
	Lookback time.Duration
	// GramNames names issues by their strongest character grams only (the
	// naming before whole words and places; kept as the baseline of the
	// evaluation and the benchmark).
	GramNames bool
}

func (o Options) withDefaults() Options {
	if o.Window <= 0 {
		o.Window = 60 * 24 * time.Hour
	}
	if o.KeyTerms <= 0 {
		o.KeyTerms = 12
	}
	o.KeyTerms = min(o.KeyTerms, 255) // shared counts are bytes
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
	s string // the gram as written (class marks spelled out)
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
			d.area = areaCode.FindString(m.Title + " " + text.FirstRunes(m.Body, textRunes))
		}
		docs = append(docs, d)
	}
	sort.SliceStable(docs, func(a, b int) bool { return docs[a].t < docs[b].t })
	df := make([]int32, 1<<dfBits)
	parallel(len(docs), func(c *counter, i int) {
		c.count(msgs[docs[i].msg])
		for _, h := range c.keys {
			atomic.AddInt32(&df[h&(1<<dfBits-1)], 1)
		}
	})
	// Terms in more than 2% of the messages (at least 20) say nothing about
	// one matter.
	common := int32(max(20, len(docs)/50))
	idf := idfTable(common, len(docs))
	parallel(len(docs), func(c *counter, i int) {
		c.count(msgs[docs[i].msg])
		docs[i].terms = keyTerms(c, df, idf, o.KeyTerms)
	})
	parent := link(docs, o)
	groups := map[int][]int{}
	for i := range docs {
		r := find(parent, i)
		groups[r] = append(groups[r], i)
	}
	var kept [][]int
	for _, g := range groups {
		if len(g) >= o.MinMembers {
			kept = append(kept, g)
		}
	}
	var lx *lexicon
	if !o.GramNames && len(kept) > 0 {
		lx = newLexicon(len(docs), func(i int) string { return nameText(msgs[docs[i].msg]) })
	}
	issues := make([]Issue, len(kept))
	parallel(len(kept), func(c *counter, i int) { issues[i] = makeIssue(docs, kept[i], msgs, now, lx, &c.names) })
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
	// shared[j] counts the key terms doc j shares with the current doc;
	// touched lists the j counted, to reset them.
	shared := make([]uint8, len(docs))
	var touched []int32
	for i, d := range docs {
		for _, t := range d.terms {
			ps := postings[t.h]
			for k := len(ps) - 1; k >= 0; k-- {
				j := ps[k]
				if d.t-docs[j].t > window {
					break
				}
				if shared[j] == 0 {
					touched = append(touched, j)
				}
				shared[j]++
			}
		}
		for _, j := range touched {
			if int(shared[j]) >= o.MinShared && (d.area == "" || docs[j].area == "" || d.area == docs[j].area) {
				union(parent, i, int(j))
			}
			shared[j] = 0
		}
		touched = touched[:0]
		for _, t := range d.terms {
			postings[t.h] = append(postings[t.h], int32(i))
		}
	}
	return parent
}

// parallel calls fn(&c, i) for i in [0, n) on every processor, each
// worker with its own counter.
func parallel(n int, fn func(c *counter, i int)) {
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c counter
			for i := w; i < n; i += workers {
				fn(&c, i)
			}
		}()
	}
	wg.Wait()
}

// counter counts the distinct 2- and 3-grams of one message at a time in
// an open-addressing table it reuses (cheaper than sorting the grams).
type counter struct {
	keys  []uint64 // distinct grams of the message, in first-seen order
	tf    []int32  // by position in keys
	first []span   // by position in keys: where the gram first occurs
	slots []int32  // 1 + position in keys, 0 = empty; len is a power of 2
	runes [2][]rune
	names scratch // for naming issues
}

// span locates a gram in a counter's normalised title (src 0) or body (1).
type span struct {
	src    uint8
	st, en int32
}

// count replaces the counter's content with the grams of m's title (twice:
// a title gram counts double) and of the start of its body.
func (c *counter) count(m Message) {
	if c.slots == nil {
		c.slots = make([]int32, 1024)
	}
	clear(c.slots)
	c.keys, c.tf, c.first = c.keys[:0], c.tf[:0], c.first[:0]
	for k, s := range []string{m.Title, text.FirstRunes(m.Body, textRunes)} {
		c.runes[k] = text.AppendNormalized(c.runes[k][:0], s)
		w := int32(2 - k)
		text.Grams(c.runes[k], func(h uint64, st, e int) {
			if e-st >= 2 {
				c.add(h, w, span{uint8(k), int32(st), int32(e)})
			}
		})
	}
}

func (c *counter) add(h uint64, w int32, at span) {
	if 2*(len(c.keys)+1) > len(c.slots) {
		c.grow()
	}
	mask := uint64(len(c.slots) - 1)
	for i := (h * 0x9E3779B97F4A7C15) >> 32 & mask; ; i = (i + 1) & mask {
		p := c.slots[i]
		if p == 0 {
			c.keys = append(c.keys, h)
			c.tf = append(c.tf, w)
			c.first = append(c.first, at)
			c.slots[i] = int32(len(c.keys))
			return
		}
		if c.keys[p-1] == h {
			c.tf[p-1] += w
			return
		}
	}
}

func (c *counter) grow() {
	c.slots = make([]int32, 2*len(c.slots))
	mask := uint64(len(c.slots) - 1)
	for p, h := range c.keys {
		i := (h * 0x9E3779B97F4A7C15) >> 32 & mask
		for c.slots[i] != 0 {
			i = (i + 1) & mask
		}
		c.slots[i] = int32(p + 1)
	}
}

// idfTable returns ln(n/f) for document frequencies f in [0, common]
// (0 outside [2, common]: such grams are never key terms).
func idfTable(common int32, n int) []float64 {
	t := make([]float64, common+1)
	for f := int32(2); f <= common; f++ {
		t[f] = math.Log(float64(n) / float64(f))
	}
	return t
}

// logTF[tf] = 1 + ln tf for small term frequencies.
var logTF = func() [64]float64 {
	var t [64]float64
	for i := 1; i < len(t); i++ {
		t[i] = 1 + math.Log(float64(i))
	}
	return t
}()

// keyTerms returns the k grams of c of highest TF-IDF that are neither
// common nor unique to this message (idf is idfTable's, 0 for those).
func keyTerms(c *counter, df []int32, idf []float64, k int) []term {
	top := make([]term, 0, k)
	pos := make([]int, 0, k) // position in c.keys of each of top
	for p, h := range c.keys {
		f := df[h&(1<<dfBits-1)]
		if int(f) >= len(idf) || idf[f] == 0 {
			continue
		}
		tf := c.tf[p]
		var l float64
		if int(tf) < len(logTF) {
			l = logTF[tf]
		} else {
			l = 1 + math.Log(float64(tf))
		}
		w := l * idf[f]
		if len(top) == k && w <= top[k-1].w {
			continue
		}
		if len(top) < k {
			top, pos = append(top, term{}), append(pos, 0)
		}
		q := len(top) - 1
		for ; q > 0 && top[q-1].w < w; q-- {
			top[q], pos[q] = top[q-1], pos[q-1]
		}
		top[q], pos[q] = term{h: h, w: w}, p
	}
	for i, p := range pos {
		at := c.first[p]
		top[i].s = text.Term(c.runes[at.src], int(at.st), int(at.en))
	}
	return top
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
