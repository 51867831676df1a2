package workflow

import (
	"yiwang/internal/nlp/classify"
	"yiwang/internal/nlp/text"
)

// MaxShownTerms is how many terms a suggestion shows: spans of the
// message (text.Spans), not the classifier's raw character grams.
const MaxShownTerms = 3

// MessageText is the normalised text of a message as the classifier reads
// it (classify.Model): the title, a space, the body. Spans of it are what
// a suggestion's terms show.
func MessageText(title, body string) []rune {
	rs := text.AppendNormalized(nil, title)
	rs = append(rs, ' ')
	return text.AppendNormalized(rs, body)
}

// shownTerms turns a prediction's driving grams into at most
// MaxShownTerms readable spans of the message's normalised text norm
// (MessageText), strongest first: overlapping grams merged, single
// characters and class marks dropped (text.Spans).
func shownTerms(norm []rune, terms []classify.Term) []string {
	if len(terms) == 0 {
		return nil
	}
	ws := make([]text.Weighted, len(terms))
	for i, t := range terms {
		ws[i] = text.Weighted{Text: t.Text, Weight: t.Weight}
	}
	spans := text.Spans(norm, ws, MaxShownTerms)
	if len(spans) == 0 {
		return nil
	}
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.Text
	}
	return out
}
