package cases

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Queue names a work list a case waits in for a person beyond what its
// state says. The state machine does not depend on it; Apply sets it from
// the platform's notes and clears it when the case moves on.
type Queue string

// The queues.
const (
	// QueueLowConfidence: a received case the classifier could not
	// categorise confidently (its top suggestion was below the threshold),
	// so it waits for a dispatcher with the suggestions attached
	// (Case.Suggestions). Dispatch, recategorise, merge or void takes it
	// out (see Apply).
	QueueLowConfidence Queue = "low_confidence"
)

// Queues lists every queue.
var Queues = []Queue{QueueLowConfidence}

// Valid reports whether q is a known queue.
func (q Queue) Valid() bool { return q == QueueLowConfidence }

// Suggestion is a category the classifier proposed for a case.
type Suggestion struct {
	Category string `json:"category"`
	// Confidence is the calibrated probability of Category, in [0, 1].
	Confidence float64 `json:"confidence"`
	// Terms are the words that drove the suggestion, strongest first.
	Terms []string `json:"terms,omitempty"`
}

// Limits on the suggestions a note may carry.
const (
	MaxSuggestions = 3
	maxTerms       = 20
	maxTerm        = 50
)

// checkClassification returns why a command's queue and suggestions are
// not acceptable ("" if they are): only a note carries them; a queue
// needs the case to be received and, for QueueLowConfidence, the
// suggestions it waits with.
func checkClassification(c *Case, cmd *Command) string {
	p := &cmd.Payload
	if p.Queue == "" && p.Suggestions == nil {
		return ""
	}
	if cmd.Action != ActionNote {
		return "payload.queue and payload.suggestions are only carried by a note"
	}
	if p.Queue != "" {
		if !p.Queue.Valid() {
			return fmt.Sprintf("payload.queue must be one of %v, got %q", Queues, p.Queue)
		}
		if c.State != StateReceived {
			return "payload.queue: only a received case can wait in a queue"
		}
		if len(p.Suggestions) == 0 {
			return "payload.suggestions: a case waits in " + string(p.Queue) + " with the suggestions attached"
		}
	}
	if len(p.Suggestions) > MaxSuggestions {
		return fmt.Sprintf("payload.suggestions: at most %d, got %d", MaxSuggestions, len(p.Suggestions))
	}
	for i, s := range p.Suggestions {
		if err := checkText(fmt.Sprintf("payload.suggestions[%d].category", i), s.Category, MaxCategory, true); err != nil {
			return err.Error()
		}
		if math.IsNaN(s.Confidence) || s.Confidence < 0 || s.Confidence > 1 {
			return fmt.Sprintf("payload.suggestions[%d].confidence must be within [0, 1], got %v", i, s.Confidence)
		}
		if len(s.Terms) > maxTerms {
			return fmt.Sprintf("payload.suggestions[%d].terms: at most %d, got %d", i, maxTerms, len(s.Terms))
		}
		for j, term := range s.Terms {
			if err := checkText(fmt.Sprintf("payload.suggestions[%d].terms[%d]", i, j), term, maxTerm, true); err != nil {
				return err.Error()
			}
		}
	}
	return ""
}

// applyClassification folds the classification of a note into c: the
// suggestions it carries and the queue it puts the case in. A note written
// before notes carried them in the payload is read from its text
// (legacyClassification), so old histories replay to the same queue.
func (c *Case) applyClassification(e *Event) {
	if e.Action != ActionNote {
		return
	}
	p := &e.Payload
	if p.Suggestions != nil || p.Queue != "" {
		c.Suggestions = cloneSuggestions(p.Suggestions)
		c.Queue = p.Queue
		return
	}
	if list, held, ok := legacyClassification(e); ok {
		c.Suggestions = list
		c.Queue = ""
		if held {
			c.Queue = QueueLowConfidence
		}
	}
}

// leaveQueue clears c's queue once e moved the case on: a queue holds
// received cases only, and a recategorise is a person's answer to the
// classifier's doubt (the case may still wait for dispatch, in the
// ordinary manual queue).
func (c *Case) leaveQueue(e *Event) {
	if e.To != StateReceived || e.Action == ActionRecategorise {
		c.Queue = ""
	}
}

func cloneSuggestions(in []Suggestion) []Suggestion {
	if len(in) == 0 {
		return nil
	}
	out := make([]Suggestion, len(in))
	for i, s := range in {
		out[i] = s
		if len(s.Terms) > 0 {
			out[i].Terms = append([]string(nil), s.Terms...)
		} else {
			out[i].Terms = nil
		}
	}
	return out
}

// Classification notes written by the platform before the payload carried
// their suggestions (the workflow's note, internal/workflow/classify.go):
//
//	分类建议 suggested=0102 confidence=0.550 threshold=0.80 applied=false original=0101
//	置信度不足（0.55 < 0.80），转人工派单。候选分类：
//	1. 0102 0.55 依据：水压
//	2. 0101 0.30 依据：小区、停水
//
// The second line says whether the case was held ("置信度不足" only when
// it was); the numbered lines are the top three.
const (
	legacyMark    = "分类建议 "
	legacyHeld    = "置信度不足"
	legacyTermSep = "、"
	legacyTerms   = " 依据："
	// platformActor starts the actor of every event the platform itself
	// writes ("system:dispatch"); a person's note never counts.
	platformActor = "system:"
)

// legacyClassification reads a classification note of the platform that
// carries no payload: its suggestions (the top one's confidence from the
// first line, which has three decimals) and whether the case was held. ok
// is false for any other event.
func legacyClassification(e *Event) (list []Suggestion, held, ok bool) {
	if e.Action != ActionNote || !strings.HasPrefix(e.Actor, platformActor) || !strings.HasPrefix(e.Note, legacyMark) {
		return nil, false, false
	}
	lines := strings.Split(e.Note, "\n")
	var top Suggestion
	for _, f := range strings.Fields(lines[0][len(legacyMark):]) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "suggested":
			top.Category = v
		case "confidence":
			top.Confidence, _ = strconv.ParseFloat(v, 64)
		}
	}
	if top.Category == "" || math.IsNaN(top.Confidence) || top.Confidence < 0 || top.Confidence > 1 {
		return nil, false, false
	}
	held = len(lines) > 1 && strings.HasPrefix(lines[1], legacyHeld)
	for _, l := range lines[1:] {
		s, ok := legacySuggestionLine(l, len(list)+1)
		if !ok {
			continue
		}
		if len(list) == 0 && s.Category == top.Category && math.Abs(s.Confidence-top.Confidence) < 0.006 {
			s.Confidence = top.Confidence
		}
		list = append(list, s)
		if len(list) == MaxSuggestions {
			break
		}
	}
	if len(list) == 0 {
		list = []Suggestion{top}
	}
	return list, held, true
}

// legacySuggestionLine reads "<n>. <category> <confidence> 依据：<terms>".
func legacySuggestionLine(l string, n int) (Suggestion, bool) {
	rest, ok := strings.CutPrefix(l, strconv.Itoa(n)+". ")
	if !ok {
		return Suggestion{}, false
	}
	head, terms, _ := strings.Cut(rest, legacyTerms)
	f := strings.Fields(head)
	if len(f) != 2 || len(f[0]) > MaxCategory {
		return Suggestion{}, false
	}
	conf, err := strconv.ParseFloat(f[1], 64)
	if err != nil || math.IsNaN(conf) || conf < 0 || conf > 1 {
		return Suggestion{}, false
	}
	s := Suggestion{Category: f[0], Confidence: conf}
	for _, t := range strings.Split(strings.TrimSpace(terms), legacyTermSep) {
		if t = strings.TrimSpace(t); t != "" && len(s.Terms) < maxTerms {
			s.Terms = append(s.Terms, t)
		}
	}
	return s, true
}

// TagAutoCategory on a new case asks the workflow to choose its category
// with its classifier (the intake form's "I don't know the category").
const TagAutoCategory = "category:auto"
