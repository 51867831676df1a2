package hot

import (
	"math"
	"regexp"
	"slices"
	"sort"
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
	grams map[uint64]float64 // 2- and 3-gram counts
	terms []term             // key terms
}

type term struct {
	h    uint64
	w    float64
	text string
}

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
		docs = append(docs, prepare(i, m))
	}
	sort.SliceStable(docs, func(a, b int) bool { return docs[a].t < docs[b].t })
	df := map[uint64]int32{}
	for _, d := range docs {
		for h := range d.grams {
			df[h]++
		}
	}
	// Terms in more than 2% of the messages (at least 20) say nothing about
	// one matter.
	common := int32(max(20, len(docs)/50))
	n := float64(len(docs))
	for i := range docs {
		docs[i].keyTerms(df, common, n, o.KeyTerms)
	}
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

func prepare(i int, m Message) doc {
	d := doc{msg: i, area: m.Area, t: m.Time.Unix(), grams: map[uint64]float64{}}
	if d.area == "" {
		d.area = areaCode.FindString(m.Title + " " + firstRunes(m.Body, textRunes))
	}
	norm := text.AppendNormalized(nil, m.Title)
	text.Grams(norm, func(h uint64, s, e int) {
		if e-s >= 2 {
			d.grams[h] += 2
		}
	})
	norm = text.AppendNormalized(norm[:0], firstRunes(m.Body, textRunes))
	text.Grams(norm, func(h uint64, s, e int) {
		if e-s >= 2 {
			d.grams[h]++
		}
	})
	return d
}

// keyTerms keeps the k grams of highest TF-IDF that are neither common nor
// unique to this message, and drops the counts.
func (d *doc) keyTerms(df map[uint64]int32, common int32, n float64, k int) {
	for h, tf := range d.grams {
		f := df[h]
		if f < 2 || f > common {
			continue
		}
		d.terms = append(d.terms, term{h: h, w: (1 + math.Log(tf)) * math.Log(n/float64(f))})
	}
	slices.SortFunc(d.terms, func(a, b term) int {
		switch {
		case a.w > b.w:
			return -1
		case a.w < b.w:
			return 1
		}
		return int(a.h>>1) - int(b.h>>1)
	})
	d.terms = d.terms[:min(k, len(d.terms))]
	d.grams = nil
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
