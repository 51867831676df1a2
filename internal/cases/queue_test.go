package cases

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var heldSuggestions = []Suggestion{{"0102", 0.55, []string{"水压"}}, {"0101", 0.30, []string{"小区", "停水"}}, {"0103", 0.10, nil}}

// holdNote is the platform's note that puts a received case in the
// low-confidence queue.
func holdNote() Command {
	return Command{Action: ActionNote, Actor: "system:dispatch", Note: "分类建议 …",
		Payload: Payload{Queue: QueueLowConfidence, Suggestions: heldSuggestions}}
}

func heldCase(t *testing.T) Case {
	t.Helper()
	c := newTestCase(t)
	do(t, &c, holdNote())
	if c.Queue != QueueLowConfidence || !reflect.DeepEqual(c.Suggestions, heldSuggestions) {
		t.Fatalf("after the hold note: queue %q suggestions %+v", c.Queue, c.Suggestions)
	}
	return c
}

// TestQueueLeftBy checks, for every action allowed on a held case, whether
// it takes the case out of the low-confidence queue: every action that
// moves the case out of received, and a recategorise; notes, supervision
// and summons leave it waiting. The suggestions stay either way.
func TestQueueLeftBy(t *testing.T) {
	due := t0.Add(48 * 60 * 60e9)
	tests := []struct {
		name   string
		before []Command
		cmd    Command
		stays  bool
	}{
		{"dispatch", nil, Command{Action: ActionDispatch, Payload: Payload{Unit: "u1"}}, false},
		{"recategorise", nil, Command{Action: ActionRecategorise, Payload: Payload{Category: "0102"}}, false},
		{"merge", nil, Command{Action: ActionMerge, Payload: Payload{ParentID: "WH-20261123-000009"}}, false},
		{"void", nil, Command{Action: ActionVoid, Payload: Payload{Reason: "重复"}}, false},
		{"a person's note", nil, Command{Action: ActionNote, Note: "已联系反映人"}, true},
		{"supervise", nil, Command{Action: ActionSupervise, Payload: Payload{Clock: ClockDispatch, Level: 1}}, true},
		{"summon", nil, Command{Action: ActionSummon, Payload: Payload{Units: []string{"u1"}, Due: &due}}, true},
		{"report", []Command{{Action: ActionSummon, Payload: Payload{Units: []string{"u1"}, Due: &due}}},
			Command{Action: ActionReport, Payload: Payload{Unit: "u1"}}, true},
		{"a later classification note without a queue", nil,
			Command{Action: ActionNote, Actor: "system:dispatch", Note: "分类建议 …", Payload: Payload{Suggestions: heldSuggestions[:1]}}, false},
	}
	covered := map[Action]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := heldCase(t)
			for _, cmd := range tt.before {
				do(t, &c, cmd)
			}
			do(t, &c, tt.cmd)
			covered[tt.cmd.Action] = true
			want := Queue("")
			if tt.stays {
				want = QueueLowConfidence
			}
			if c.Queue != want {
				t.Errorf("after %s: queue %q, want %q", tt.cmd.Action, c.Queue, want)
			}
			if len(c.Suggestions) == 0 || c.Suggestions[0].Category != "0102" {
				t.Errorf("after %s: suggestions %+v, want them kept", tt.cmd.Action, c.Suggestions)
			}
		})
	}
	c := heldCase(t)
	for _, a := range Allowed(&c) {
		if !covered[a] {
			t.Errorf("action %s is allowed on a held case but not in the table", a)
		}
	}
}

// TestQueueNotEnteredWhenConfident: a classification note without a queue
// (the suggestion was applied, or confirmed the category) attaches the
// suggestions and leaves the case in no queue; a dispatch after it keeps
// it there.
func TestQueueNotEnteredWhenConfident(t *testing.T) {
	c := newTestCase(t)
	do(t, &c, Command{Action: ActionNote, Actor: "system:dispatch", Note: "分类建议 …",
		Payload: Payload{Automatic: true, Suggestions: []Suggestion{{"0102", 0.91, []string{"停水"}}}}})
	do(t, &c, Command{Action: ActionDispatch, Actor: "system:dispatch", Payload: Payload{Unit: "u1", Automatic: true}})
	if c.Queue != "" || len(c.Suggestions) != 1 || c.Suggestions[0].Confidence != 0.91 {
		t.Fatalf("queue %q suggestions %+v; want no queue, the suggestion attached", c.Queue, c.Suggestions)
	}
}

func TestClassificationValidates(t *testing.T) {
	many := append(slices.Clone(heldSuggestions), Suggestion{"04", 0.01, nil})
	dispatched := newTestCase(t)
	do(t, &dispatched, Command{Action: ActionDispatch, Payload: Payload{Unit: "u1"}})
	tests := []struct {
		name string
		c    *Case
		cmd  Command
		want string
	}{
		{"queue on a dispatch", nil, Command{Action: ActionDispatch, Payload: Payload{Unit: "u1", Queue: QueueLowConfidence, Suggestions: heldSuggestions}}, "only carried by a note"},
		{"suggestions on a void", nil, Command{Action: ActionVoid, Payload: Payload{Reason: "x", Suggestions: heldSuggestions}}, "only carried by a note"},
		{"unknown queue", nil, Command{Action: ActionNote, Note: "n", Payload: Payload{Queue: "vip", Suggestions: heldSuggestions}}, "payload.queue must be one of"},
		{"queue on a dispatched case", &dispatched, Command{Action: ActionNote, Note: "n", Payload: Payload{Queue: QueueLowConfidence, Suggestions: heldSuggestions}}, "only a received case"},
		{"held without suggestions", nil, Command{Action: ActionNote, Note: "n", Payload: Payload{Queue: QueueLowConfidence}}, "payload.suggestions"},
		{"four suggestions", nil, Command{Action: ActionNote, Note: "n", Payload: Payload{Suggestions: many}}, "at most 3"},
		{"empty category", nil, Command{Action: ActionNote, Note: "n", Payload: Payload{Suggestions: []Suggestion{{"", 0.5, nil}}}}, "payload.suggestions[0].category"},
		{"confidence above 1", nil, Command{Action: ActionNote, Note: "n", Payload: Payload{Suggestions: []Suggestion{{"01", 1.5, nil}}}}, "payload.suggestions[0].confidence"},
		{"confidence NaN", nil, Command{Action: ActionNote, Note: "n", Payload: Payload{Suggestions: []Suggestion{{"01", math.NaN(), nil}}}}, "payload.suggestions[0].confidence"},
		{"empty term", nil, Command{Action: ActionNote, Note: "n", Payload: Payload{Suggestions: []Suggestion{{"01", 0.5, []string{""}}}}}, "payload.suggestions[0].terms[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			if c == nil {
				fresh := newTestCase(t)
				c = &fresh
			}
			tt.cmd.Actor = "system:dispatch"
			_, err := Decide(c, tt.cmd, t0)
			if !errors.Is(err, ErrTransition) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a refusal naming %q", err, tt.want)
			}
		})
	}
}

// The notes as the workflow wrote them before the payload carried the
// suggestions (internal/workflow/classify.go, classifyNew).
const (
	legacyHeldNote = "分类建议 suggested=0102 confidence=0.551 threshold=0.80 applied=false original=0101\n" +
		"置信度不足（0.55 < 0.80），转人工派单。候选分类：\n1. 0102 0.55 依据：水压\n2. 0101 0.30 依据：小区、停水\n3. 0103 0.10 依据："
	legacyAppliedNote = "分类建议 suggested=0102 confidence=0.910 threshold=0.80 applied=true original=01\n" +
		"自动分类：0102（置信度 0.91 ≥ 0.80），按此派单。\n1. 0102 0.91 依据：停水\n2. 0101 0.05 依据："
	legacyConfirmedNote = "分类建议 suggested=01 confidence=0.930 threshold=0.80 applied=false original=01\n" +
		"自动分类确认原分类 01（置信度 0.93）。\n1. 01 0.93 依据：路灯"
)

// TestLegacyClassification: histories written before notes carried their
// suggestions replay to the same queue: a held note (its second line says
// 置信度不足) puts the case in the queue with its three suggestions; an
// applied or confirming note attaches its suggestions only; the same text
// from a person, or any other note, changes nothing.
func TestLegacyClassification(t *testing.T) {
	tests := []struct {
		name, actor, note string
		queue             Queue
		want              []Suggestion
	}{
		{"held", "system:dispatch", legacyHeldNote, QueueLowConfidence,
			[]Suggestion{{"0102", 0.551, []string{"水压"}}, {"0101", 0.30, []string{"小区", "停水"}}, {"0103", 0.10, nil}}},
		{"applied", "system:dispatch", legacyAppliedNote, "", []Suggestion{{"0102", 0.91, []string{"停水"}}, {"0101", 0.05, nil}}},
		{"confirmed", "system:dispatch", legacyConfirmedNote, "", []Suggestion{{"01", 0.93, []string{"路灯"}}}},
		{"a person's copy", "dispatcher1", legacyHeldNote, "", nil},
		{"the dispatch note", "system:dispatch", "未找到覆盖该类别与区域的规则，转人工派单。", "", nil},
		{"mark without suggested", "system:dispatch", "分类建议 applied=false\n置信度不足", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCase(t)
			do(t, &c, Command{Action: ActionNote, Actor: tt.actor, Note: tt.note})
			if c.Queue != tt.queue || !reflect.DeepEqual(c.Suggestions, tt.want) {
				t.Fatalf("queue %q suggestions %+v; want %q %+v", c.Queue, c.Suggestions, tt.queue, tt.want)
			}
			// Replaying the JSON of the history gives the same.
			hist := []Event{NewCreate(c.ID, NewCase{Channel: ChannelHotline, Title: c.Title, Description: c.Description, Category: "01",
				Location: c.Location, Reporter: c.Reporter, Severity: c.Severity}, "agent1", "12345", t0)}
			e, err := Decide(&Case{ID: c.ID, State: StateReceived, Version: 1}, Command{Action: ActionNote, Actor: tt.actor, Note: tt.note}, t0)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(append(hist, e))
			var back []Event
			if err := json.Unmarshal(raw, &back); err != nil {
				t.Fatal(err)
			}
			r, err := Replay(back)
			if err != nil {
				t.Fatal(err)
			}
			if r.Queue != c.Queue || !reflect.DeepEqual(r.Suggestions, c.Suggestions) {
				t.Fatalf("replay: queue %q suggestions %+v; want %q %+v", r.Queue, r.Suggestions, c.Queue, c.Suggestions)
			}
		})
	}
	// A legacy held case leaves the queue as a new one does.
	c := newTestCase(t)
	do(t, &c, Command{Action: ActionNote, Actor: "system:dispatch", Note: legacyHeldNote})
	do(t, &c, Command{Action: ActionDispatch, Payload: Payload{Unit: "u1"}})
	if c.Queue != "" {
		t.Fatalf("dispatched legacy held case still in queue %q", c.Queue)
	}
}

// TestPayloadWinsOverText: a note carrying its suggestions is read from
// the payload, not from its text.
func TestPayloadWinsOverText(t *testing.T) {
	c := newTestCase(t)
	cmd := Command{Action: ActionNote, Actor: "system:dispatch", Note: legacyHeldNote,
		Payload: Payload{Suggestions: []Suggestion{{"0102", 0.55123, nil}}}}
	do(t, &c, cmd)
	if c.Queue != "" || len(c.Suggestions) != 1 || c.Suggestions[0].Confidence != 0.55123 {
		t.Fatalf("queue %q suggestions %+v; want the payload's (no queue, one suggestion)", c.Queue, c.Suggestions)
	}
}

// FuzzLegacyClassification: any note text either is not a classification
// or gives at most three well-formed suggestions.
func FuzzLegacyClassification(f *testing.F) {
	for _, s := range []string{legacyHeldNote, legacyAppliedNote, legacyConfirmedNote, "分类建议 ", "分类建议 suggested=x confidence=NaN",
		"分类建议 suggested=x confidence=2\n置信度不足", "分类建议 suggested=x\n1. a 0.5 依据：、、\n2. b -1\n2. b 0.2 依据：t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, note string) {
		e := Event{Action: ActionNote, Actor: "system:dispatch", Note: note}
		list, held, ok := legacyClassification(&e)
		if !ok {
			if held || list != nil {
				t.Fatalf("not a classification but held %v list %+v", held, list)
			}
			return
		}
		if !strings.HasPrefix(note, legacyMark) || len(list) == 0 || len(list) > MaxSuggestions {
			t.Fatalf("classification of %q: %+v", note, list)
		}
		for _, s := range list {
			if s.Category == "" || !(s.Confidence >= 0 && s.Confidence <= 1) || len(s.Terms) > maxTerms {
				t.Fatalf("bad suggestion %+v from %q", s, note)
			}
			for _, term := range s.Terms {
				if term == "" || (utf8.ValidString(note) && !utf8.ValidString(term)) {
					t.Fatalf("bad term %q from %q", term, note)
				}
			}
		}
	})
}
