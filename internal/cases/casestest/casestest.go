// Package casestest owns test helpers for code that stores or follows
// cases: random legal commands and whole random histories, so every
// package that must keep histories intact (the cases fold, the stores'
// conformance suite) is driven by the same generator.
package casestest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"yiwang/internal/cases"
)

// MergeParent is the case random merge commands merge into.
const MergeParent = "WH-20260101-000009"

// Units are the unit codes random commands dispatch and summon.
var Units = []string{"u1", "u2", "u3", "u4"}

// Categories are the category codes random recategorise commands choose
// from (codes of the default taxonomy, of different levels).
var Categories = []string{"01", "0103", "02", "0201", "03"}

// RandomCommand picks an action allowed on c now and fills its payload so
// that cases.Decide accepts it at time now. ok is false when nothing is
// allowed.
func RandomCommand(c *cases.Case, r *rand.Rand, now time.Time) (cmd cases.Command, ok bool) {
	allowed := cases.Allowed(c)
	if len(allowed) == 0 {
		return cases.Command{}, false
	}
	a := allowed[r.IntN(len(allowed))]
	cmd = cases.Command{Action: a, Actor: fmt.Sprintf("user%d", r.IntN(5)), Note: "note"}
	due := now.Add(time.Duration(1+r.IntN(1000)) * time.Hour)
	p := &cmd.Payload
	switch a {
	case cases.ActionDispatch, cases.ActionReassign:
		p.Unit = Units[r.IntN(len(Units))]
		if p.Unit == c.Unit {
			p.Unit += "x"
		}
		p.RuleID = fmt.Sprintf("rule-%d", r.IntN(3))
		p.Deadlines = &cases.Deadlines{SignOff: &due}
	case cases.ActionReturn, cases.ActionVoid, cases.ActionSuspend, cases.ActionRequestExtension, cases.ActionRefuseExtension:
		p.Reason = "reason"
	case cases.ActionMerge:
		p.ParentID = MergeParent
	case cases.ActionVerify:
		p.Satisfaction = []string{cases.Satisfied, cases.BasicallySatisfied, cases.Unsatisfied}[r.IntN(3)]
	case cases.ActionResolve:
		p.Reply = "reply"
	case cases.ActionRelay:
		cmd.Actor = "system:relay"
		p.ParentID, p.Reply = c.ParentID, fmt.Sprintf("relayed reply %d", r.IntN(3))
	case cases.ActionDetach:
		cmd.Actor = "system:relay"
		p.ParentID, p.Reason = c.ParentID, "parent "+c.ParentID+" voided: reason"
	case cases.ActionApproveExtension:
		p.Deadlines = &cases.Deadlines{Resolve: &due}
	case cases.ActionSummon:
		for _, u := range Units {
			if !summoned(c, u) && r.IntN(2) == 0 {
				p.Units = append(p.Units, u)
			}
		}
		if len(p.Units) == 0 {
			p.Units = []string{fmt.Sprintf("s%d", len(c.Summons))}
		}
		p.Due = &due
	case cases.ActionReport:
		for _, s := range c.Summons {
			if s.ReportedAt == nil {
				p.Unit = s.Unit
				break
			}
		}
	case cases.ActionSupervise:
		p.Clock, p.Level = "resolve", 1+r.IntN(3)
	case cases.ActionNote:
		// One note in three is the platform's classification: its
		// suggestions, and on a received case one time in two the
		// low-confidence queue.
		if r.IntN(3) == 0 {
			cmd.Actor = "system:dispatch"
			for i := range 1 + r.IntN(cases.MaxSuggestions) {
				p.Suggestions = append(p.Suggestions, cases.Suggestion{Category: Categories[i], Confidence: float64(r.IntN(101)) / 100,
					Terms: []string{"term"}[:r.IntN(2)]})
			}
			if c.State == cases.StateReceived && r.IntN(2) == 0 {
				p.Queue = cases.QueueLowConfidence
			}
		}
	case cases.ActionRecategorise:
		p.Category = Categories[r.IntN(len(Categories))]
		if p.Category == c.Category {
			p.Category += "01"
		}
	}
	return cmd, true
}

func summoned(c *cases.Case, unit string) bool {
	for _, s := range c.Summons {
		if s.Unit == unit && s.ReportedAt == nil {
			return true
		}
	}
	return false
}

// NewCase returns a valid hotline case for tests.
func NewCase() cases.NewCase {
	lat, lon := 30.58, 114.30
	n := cases.NewCase{Channel: cases.ChannelHotline, Title: "路灯不亮", Description: "中山大道路灯坏了", Category: "01",
		Location: cases.Location{Lat: &lat, Lon: &lon}, Reporter: cases.Reporter{Phone: "13812345678"}}
	n.Normalize()
	return n
}

// History builds a random legal history of up to n commands after the
// create event of case id, one minute apart from start, and returns it with
// the case folded step by step.
func History(r *rand.Rand, id string, start time.Time, n int) (cases.Case, []cases.Event, error) {
	hist := []cases.Event{cases.NewCreate(id, NewCase(), "agent1", "12345", start)}
	var c cases.Case
	if err := cases.Apply(&c, hist[0]); err != nil {
		return c, nil, err
	}
	for i := 1; i <= n; i++ {
		at := start.Add(time.Duration(i) * time.Minute)
		cmd, ok := RandomCommand(&c, r, at)
		if !ok {
			break
		}
		e, err := cases.Decide(&c, cmd, at)
		if err != nil {
			return c, nil, fmt.Errorf("allowed action %s refused from %s: %w", cmd.Action, c.State, err)
		}
		if err := cases.Apply(&c, e); err != nil {
			return c, nil, err
		}
		hist = append(hist, e)
	}
	return c, hist, nil
}
