package situation

import (
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/cases/casestest"
)

// TestUnsatisfiedRatingThatReopensStillCounts: 满意率 counts every rating;
// an unsatisfied callback that sends the case back for 重办 must not
// vanish from the denominator when the reopen clears the case's rating.
func TestUnsatisfiedRatingThatReopensStillCounts(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var c cases.Case
	var hist []cases.Event
	step := func(e cases.Event) {
		t.Helper()
		if err := cases.Apply(&c, e); err != nil {
			t.Fatal(err)
		}
		hist = append(hist, e)
	}
	step(cases.NewCreate("WH-20261120-000001", casestest.NewCase(), "a", "", t0))
	for i, cmd := range []cases.Command{
		{Action: cases.ActionDispatch, Payload: cases.Payload{Unit: "u1"}},
		{Action: cases.ActionAccept},
		{Action: cases.ActionResolve, Payload: cases.Payload{Reply: "已处理"}},
		{Action: cases.ActionVerify, Payload: cases.Payload{Satisfaction: cases.Unsatisfied}},
		{Action: cases.ActionReopen},
		{Action: cases.ActionAccept},
		{Action: cases.ActionResolve, Payload: cases.Payload{Reply: "重新处理"}},
		{Action: cases.ActionVerify, Payload: cases.Payload{Satisfaction: cases.Satisfied}},
	} {
		cmd.Actor = "x"
		e, err := cases.Decide(&c, cmd, t0.Add(time.Duration(i+1)*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		step(e)
	}
	a := New()
	if err := a.Apply(hist...); err != nil {
		t.Fatal(err)
	}
	snap := a.Snapshot("", nil, 10, t0.Add(24*time.Hour))
	for _, k := range snap.KPIs {
		if k.ID == KPISatisfaction {
			if k.Numerator != 1 || k.Denominator != 2 {
				t.Fatalf("satisfaction = %d/%d, want 1/2 (one unsatisfied rating, then one satisfied)", k.Numerator, k.Denominator)
			}
			return
		}
	}
	t.Fatal("no satisfaction KPI")
}
