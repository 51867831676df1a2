package workflow

import (
	"errors"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// TestExplain checks the explanation of a dispatched case: the recorded
// rule, whether it would still win, the near misses, in both languages.
func TestExplain(t *testing.T) {
	f := newFixture(t, newFakeStore())
	// 0102 in 武昌 at 10:00: water-city wins; the night rule for 武昌
	// fails on its window only.
	c := f.create(newCase("0102", cases.SeverityNormal), at(2025, 9, 29, 10, 0))
	x, err := f.w.Explain(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if x.RecordedRule != "water-city" || x.Decision.RuleID != "water-city" || !x.StillChosen || x.UnitName != "武汉市水务局" {
		t.Errorf("explanation = %+v", x)
	}
	if len(x.NearMisses) == 0 || x.NearMisses[0].RuleID != "water-wuchang-night" || x.NearMisses[0].Failed != "window" {
		t.Errorf("near misses = %+v, want water-wuchang-night first, failing on window", x.NearMisses)
	}
	contains(t, "Chinese", x.ZH, "武汉市水务局", "water-city", "water-wuchang-night", "时段")
	contains(t, "English", x.EN, "by rule water-city", "water-wuchang-night", "window")

	// After the list changes the recorded rule no longer wins.
	body := "id,category,area,severity,window,lead,co,note\nwater-wuchang,0102,420106,,,chengguan.420106,,\n"
	if _, err := f.w.PutRules(f.ctx, []byte(body), FormatCSV, 0, "admin"); err != nil {
		t.Fatal(err)
	}
	x, err = f.w.Explain(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if x.StillChosen || x.RecordedRule != "water-city" || x.Decision.RuleID != "water-wuchang" || x.RulesVersion != 1 {
		t.Errorf("after the change: %+v", x)
	}

	// A case in the manual queue.
	m := f.create(newCase("09", cases.SeverityNormal), at(2025, 9, 29, 10, 0))
	x, err = f.w.Explain(f.ctx, m.ID)
	if err != nil || !x.Decision.Manual || x.StillChosen || x.RecordedRule != "" {
		t.Errorf("manual case: %+v err %v", x, err)
	}
	if _, err := f.w.Explain(f.ctx, "WH-nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown case: err %v", err)
	}
}
