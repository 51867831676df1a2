package workflow

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/nlp/classify"
)

// TagAutoCategory on a new case asks the workflow to choose its category
// with the Suggester (cases.TagAutoCategory).
const TagAutoCategory = cases.TagAutoCategory

// DefaultThreshold is the confidence from which a suggestion is applied
// without a person when Options.Threshold is 0.
const DefaultThreshold = 0.8

// suggestionMark starts the note in which the workflow records its
// suggestion; Corrections finds the notes by it.
const suggestionMark = "分类建议"

// Suggestion is a candidate category of a message.
type Suggestion struct {
	// Category is a category code: first level for a level-1 model
	// (ModelSuggester), the deepest confident level for the hierarchical
	// one (HierSuggester).
	Category string `json:"category"`
	// Confidence is the calibrated probability of Category (for a deeper
	// category, the product of the confidences along its path).
	Confidence float64 `json:"confidence"`
	// Terms are the words that drove the suggestion, strongest first: for
	// the model suggesters, at most MaxShownTerms spans of the message's
	// normalised text, each of the classifier's driving grams that overlap
	// or touch merged (shownTerms).
	Terms []string `json:"terms,omitempty"`
}

// Suggester proposes the categories of a message, most probable first.
type Suggester interface {
	Suggest(title, body string) []Suggestion
}

// CoarseSuggester is a Suggester that can also tell whether a category
// code is as coarse as its suggestions (a first-level code): such a
// category, chosen by a person in a hurry, may be replaced by a confident
// suggestion.
type CoarseSuggester interface {
	Suggester
	Coarse(code string) bool
}

type suggesting struct {
	s         Suggester
	threshold float64
}

// SetSuggester switches classification on (s not nil) or off; threshold 0
// means DefaultThreshold. A node that trains its model in the background
// calls it when the model is ready.
func (w *Workflow) SetSuggester(s Suggester, threshold float64) error {
	if threshold < 0 || threshold > 1 {
		return fmt.Errorf("workflow: suggestion threshold %v is not within [0, 1]", threshold)
	}
	if threshold == 0 {
		threshold = DefaultThreshold
	}
	if s == nil {
		w.suggest.Store(nil)
		return nil
	}
	w.suggest.Store(&suggesting{s: s, threshold: threshold})
	return nil
}

// Suggest returns the suggester's top three categories of a message;
// false when no suggester is set (yet).
func (w *Workflow) Suggest(title, body string) ([]Suggestion, bool) {
	sg := w.suggest.Load()
	if sg == nil {
		return nil, false
	}
	out := sg.s.Suggest(title, body)
	return out[:min(3, len(out))], true
}

// classifyNew decides whether a new case asks for classification (tag
// TagAutoCategory, or a coarse category) and, if so, returns the note
// recording the suggestions. When the top suggestion reaches the threshold
// and differs from the case's category, n.Category becomes it (the note
// says so, automatic) and the dispatch decision uses it; otherwise the
// category is kept and the note lists the top three for the dispatcher —
// with hold true when the case must wait in the manual queue (tagged auto
// or coarse, no confident suggestion). The note's payload carries the top
// three (Payload.Suggestions) and, when hold, the low-confidence queue
// (Payload.Queue), so the queue is listed from the case, not the note's
// text; the text's first line stays as Corrections reads it.
func (w *Workflow) classifyNew(n *cases.NewCase) (note *cases.Command, hold bool) {
	sg := w.suggest.Load()
	if sg == nil {
		return nil, false
	}
	auto := slices.Contains(n.Tags, TagAutoCategory)
	coarse := false
	if cs, ok := sg.s.(CoarseSuggester); ok {
		coarse = cs.Coarse(n.Category)
	}
	if !auto && !coarse {
		return nil, false
	}
	top := sg.s.Suggest(n.Title, n.Description)
	top = top[:min(3, len(top))]
	if len(top) == 0 {
		return nil, false
	}
	var b strings.Builder
	applied := top[0].Confidence >= sg.threshold && top[0].Category != n.Category
	fmt.Fprintf(&b, "%s suggested=%s confidence=%.3f threshold=%.2f applied=%t original=%s\n",
		suggestionMark, top[0].Category, top[0].Confidence, sg.threshold, applied, n.Category)
	switch {
	case applied:
		fmt.Fprintf(&b, "自动分类：%s（置信度 %.2f ≥ %.2f），按此派单。\n", top[0].Category, top[0].Confidence, sg.threshold)
		n.Category = top[0].Category
	case top[0].Confidence >= sg.threshold:
		fmt.Fprintf(&b, "自动分类确认原分类 %s（置信度 %.2f）。\n", n.Category, top[0].Confidence)
	default:
		fmt.Fprintf(&b, "置信度不足（%.2f < %.2f），转人工派单。候选分类：\n", top[0].Confidence, sg.threshold)
		hold = true
	}
	for i, s := range top {
		fmt.Fprintf(&b, "%d. %s %.2f 依据：%s\n", i+1, s.Category, s.Confidence, strings.Join(s.Terms, "、"))
	}
	cmd := &cases.Command{Action: cases.ActionNote, Actor: SystemActor, Note: strings.TrimSpace(b.String()),
		Payload: cases.Payload{Automatic: applied, Suggestions: attached(top)}}
	if hold && len(cmd.Payload.Suggestions) > 0 {
		// The case waits in the low-confidence queue with the suggestions
		// (cases.Case.Queue), until a dispatcher routes or recategorises it.
		cmd.Payload.Queue = cases.QueueLowConfidence
	}
	return cmd, hold
}

// attached returns suggestions as a note's payload carries them: at most
// cases.MaxSuggestions, confidences within [0, 1], at most 20 terms of at
// most 50 characters, none empty (what cases.Decide accepts).
func attached(top []Suggestion) []cases.Suggestion {
	out := make([]cases.Suggestion, 0, min(len(top), cases.MaxSuggestions))
	for _, s := range top {
		if len(out) == cases.MaxSuggestions {
			break
		}
		if s.Category == "" || len(s.Category) > cases.MaxCategory || !utf8.ValidString(s.Category) {
			continue
		}
		conf := s.Confidence
		if !(conf >= 0) { // negative or NaN
			conf = 0
		}
		a := cases.Suggestion{Category: s.Category, Confidence: min(conf, 1)}
		for _, t := range s.Terms {
			if len(a.Terms) == 20 {
				break
			}
			if t = strings.TrimSpace(strings.ToValidUTF8(t, "")); t != "" && !strings.ContainsRune(t, 0) {
				if r := []rune(t); len(r) > 50 {
					t = string(r[:50])
				}
				a.Terms = append(a.Terms, t)
			}
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// holdCommand is the suggestion note of a case that waits in the manual
// queue, carrying its dispatch deadline (as dispatchCommand's manual note).
func (w *Workflow) holdCommand(note cases.Command, c *cases.Case) cases.Command {
	if due := w.dispatchDeadline(c, c.CreatedAt); due != nil {
		note.Payload.Deadlines = &cases.Deadlines{Dispatch: due}
	}
	return note
}

// SuggestionRecord is what the workflow suggested for a case, parsed back
// from its note.
type SuggestionRecord struct {
	Category   string  `json:"category"`
	Confidence float64 `json:"confidence"`
	Applied    bool    `json:"applied"`
	// Original is the category the case was created with.
	Original string `json:"original"`
}

// parseSuggestion reads the first line of a suggestion note.
func parseSuggestion(note string) (SuggestionRecord, bool) {
	line, _, _ := strings.Cut(note, "\n")
	rest, ok := strings.CutPrefix(line, suggestionMark+" ")
	if !ok {
		return SuggestionRecord{}, false
	}
	var r SuggestionRecord
	for _, f := range strings.Fields(rest) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "suggested":
			r.Category = v
		case "confidence":
			r.Confidence, _ = strconv.ParseFloat(v, 64)
		case "applied":
			r.Applied = v == "true"
		case "original":
			r.Original = v
		}
	}
	return r, r.Category != ""
}

// Correction is a case whose category or routing a person changed after
// the workflow suggested its category: training signal for the classifier.
type Correction struct {
	CaseID     string           `json:"case_id"`
	Title      string           `json:"title"`
	Suggestion SuggestionRecord `json:"suggestion"`
	// Category is the case's category now.
	Category string `json:"category"`
	// SuggestedUnit is the unit the suggestion routed to (or would have).
	SuggestedUnit string `json:"suggested_unit,omitempty"`
	// Unit is the unit a person dispatched or reassigned the case to last.
	Unit string `json:"unit,omitempty"`
	// Returned counts the returns (退单) after the suggestion.
	Returned int       `json:"returned"`
	At       time.Time `json:"at"`
	// Text is the case's description (with Title, what the classifier reads).
	Text string `json:"text"`
	// Recategorised is set when a person changed the category after the
	// suggestion (recategorise 改类) and it ended up different.
	Recategorised *CategoryCorrection `json:"recategorised,omitempty"`
}

// CategoryCorrection is a person's change of a case's category after the
// workflow's suggestion: From is the category the case had after the
// suggestion (the applied suggestion, or the category as filed), To the
// category after the person's last recategorise.
type CategoryCorrection struct {
	From string    `json:"from"`
	To   string    `json:"to"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// correctionsPage is how many note events Corrections reads at a time.
const correctionsPage = 500

// Corrections lists the cases with a suggestion note after the log
// position after whose category or routing a person corrected: a person
// recategorised it (Correction.Recategorised, old → new), dispatched or
// reassigned it to another unit than the suggestion chose (or would have
// chosen), or the unit returned it. It reads every note
// event, then the history of the suggested cases, and returns at most
// limit corrections, oldest first.
func (w *Workflow) Corrections(ctx context.Context, after int64, limit int) ([]Correction, error) {
	var out []Correction
	for len(out) < limit {
		evs, err := w.store.EventsByAction(ctx, cases.ActionNote, after, correctionsPage)
		if err != nil {
			return nil, fmt.Errorf("reading notes after %d: %w", after, err)
		}
		for _, e := range evs {
			after = e.Pos
			rec, ok := parseSuggestion(e.Note)
			if !ok || e.Actor != SystemActor || len(out) >= limit {
				continue
			}
			c, ok, err := w.correction(ctx, e, rec)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, c)
			}
		}
		if len(evs) < correctionsPage {
			break
		}
	}
	return out, nil
}

func (w *Workflow) correction(ctx context.Context, note cases.Event, rec SuggestionRecord) (Correction, bool, error) {
	hist, err := w.store.History(ctx, note.CaseID)
	if err != nil {
		return Correction{}, false, fmt.Errorf("reading history of case %s: %w", note.CaseID, err)
	}
	var c cases.Case
	for _, e := range hist {
		if err := cases.Apply(&c, e); err != nil {
			return Correction{}, false, fmt.Errorf("replaying case %s: %w", note.CaseID, err)
		}
	}
	out := Correction{CaseID: c.ID, Title: c.Title, Text: c.Description, Suggestion: rec, Category: c.Category, At: note.At}
	if !rec.Applied {
		q := Query(&c)
		q.Category = rec.Category
		if dec := w.Engine().DecideExplained(q); !dec.Manual {
			out.SuggestedUnit = dec.Lead
		}
	}
	for _, e := range hist {
		if e.Seq <= note.Seq {
			continue
		}
		switch e.Action {
		case cases.ActionDispatch, cases.ActionReassign:
			if e.Payload.Automatic {
				if rec.Applied && out.SuggestedUnit == "" {
					out.SuggestedUnit = e.Payload.Unit
				}
				continue
			}
			out.Unit = e.Payload.Unit
		case cases.ActionReturn:
			out.Returned++
		case cases.ActionRecategorise:
			if e.Actor == SystemActor {
				continue
			}
			if out.Recategorised == nil {
				out.Recategorised = &CategoryCorrection{From: e.Payload.PreviousCategory}
			}
			r := out.Recategorised
			r.To, r.By, r.At = e.Payload.Category, e.Actor, e.At
		}
	}
	if r := out.Recategorised; r != nil && r.From == r.To {
		out.Recategorised = nil // changed and changed back
	}
	corrected := out.Recategorised != nil || out.Returned > 0 || out.Unit != "" && out.Unit != out.SuggestedUnit
	return out, corrected, nil
}

// ModelSuggester adapts a classifier whose labels are category names of
// one level of a taxonomy (nlp.TrainCategory: first-level names) to a
// CoarseSuggester. Labels the taxonomy does not know are skipped.
type ModelSuggester struct {
	Model    classify.Classifier
	Taxonomy *category.Taxonomy
	// Level of the model's labels; 0 means 1.
	Level int
}

func (m ModelSuggester) level() int { return max(m.Level, 1) }

// Suggest returns every label the taxonomy knows as a Suggestion, its
// terms spans of the message (shownTerms).
func (m ModelSuggester) Suggest(title, body string) []Suggestion {
	preds := m.Model.Predict(title, body, 0)
	out := make([]Suggestion, 0, len(preds))
	norm := MessageText(title, body)
	for _, p := range preds {
		cat, ok := m.Taxonomy.ByName(m.level(), p.Label)
		if !ok {
			continue
		}
		out = append(out, Suggestion{Category: cat.Code, Confidence: p.Confidence, Terms: shownTerms(norm, p.Terms)})
	}
	return out
}

// Coarse reports whether code is a category of the model's level.
func (m ModelSuggester) Coarse(code string) bool {
	c, err := m.Taxonomy.Get(code)
	return err == nil && c.Level == m.level()
}
