package platform

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
	"yiwang/internal/nlp/unit"
	"yiwang/internal/store"
)

// TestKindTypesCoverDispatchKinds: every dispatch unit kind has a row in
// nlp/unit/kinds.csv (with or without a unit type), so a new kind cannot
// be forgotten there.
func TestKindTypesCoverDispatchKinds(t *testing.T) {
	kt, err := unit.KindTypes()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range dispatch.Kinds() {
		if _, ok := kt[string(k)]; !ok {
			t.Errorf("dispatch kind %s has no row in nlp/unit/kinds.csv", k)
		}
	}
	types, err := kindTypes()
	if err != nil {
		t.Fatal(err)
	}
	if types[dispatch.KindTraffic] != "公安" || types[dispatch.KindStreetOffice] != "街道乡镇" {
		t.Errorf("kindTypes: 交管 → %q, 街道办 → %q", types[dispatch.KindTraffic], types[dispatch.KindStreetOffice])
	}
	if _, ok := types[dispatch.KindJustice]; ok {
		t.Error("kindTypes maps 司法, which has no unit type")
	}
}

// TestClosedUnitExamples: a closed case becomes an example labelled by the
// type of the unit that handled it; an open one does not.
func TestClosedUnitExamples(t *testing.T) {
	ctx := context.Background()
	n, err := Open(ctx, Options{DB: "sqlite:" + filepath.Join(t.TempDir(), "t.db"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	types, err := kindTypes()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	newCase := cases.NewCase{Channel: cases.ChannelHotline, Title: "占道经营", Description: "小摊贩占满人行道", Category: "0101",
		Severity: cases.SeverityNormal, Location: cases.Location{District: "420106", Street: "420106002"}}
	var ids []string
	for range 2 {
		c, _, err := n.Workflow.Create(ctx, store.CreateRequest{Case: newCase, Actor: "agent", At: now})
		if err != nil {
			t.Fatal(err)
		}
		if c.Unit == "" {
			t.Fatalf("case %s not dispatched", c.ID)
		}
		ids = append(ids, c.ID)
	}
	for i, cmd := range []cases.Command{
		{Action: cases.ActionAccept, Actor: "unit"},
		{Action: cases.ActionResolve, Actor: "unit", Payload: cases.Payload{Reply: "已处理"}},
		{Action: cases.ActionClose, Actor: "dispatcher"},
	} {
		if _, _, err := n.Workflow.Transition(ctx, store.TransitionRequest{ID: ids[0], Command: cmd, At: now.Add(time.Duration(i+1) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := n.Store.Get(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	u, err := n.Workflow.Engine().Directory().Unit(c.Unit)
	if err != nil {
		t.Fatal(err)
	}
	got, err := closedUnitExamples(ctx, n.Workflow, types)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Title != "占道经营" || got[0].Body != "小摊贩占满人行道" || got[0].Label != types[u.Kind] || got[0].Label == "" {
		t.Fatalf("examples %+v, want the closed case labelled %q (unit %s, kind %s)", got, types[u.Kind], c.Unit, u.Kind)
	}
}

// TestUnitRouterSuggestsOnceTrained opens a node with the classifier on:
// the unit router trains in the background, and then the workflow suggests
// unit types for a message, with the directory's unit for its place.
func TestUnitRouterSuggestsOnceTrained(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the unit router (≈ 10–20 s of CPU)")
	}
	n, err := Open(context.Background(), Options{
		DB: "sqlite:" + filepath.Join(t.TempDir(), "t.db"), Logger: slog.New(slog.DiscardHandler), Classifier: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	loc := cases.Location{District: "420106", Street: "420106002"}
	<-n.Trained() // the test's own -timeout bounds a training that hangs
	got, ready := n.Workflow.SuggestUnits("小学乱收费", "孩子所在的小学要求家长缴纳补课费和资料费，请教育局查处", loc)
	if !ready {
		t.Fatal("training ended without a unit router in force")
	}
	if len(got) != 3 || got[0].Type != "教育" || got[0].Confidence <= got[1].Confidence || len(got[0].Terms) == 0 {
		t.Fatalf("unit suggestions = %+v, want 教育 first with terms", got)
	}
	if got[0].Unit == "" || got[0].UnitName == "" {
		t.Errorf("no 教育 unit for Wuchang: %+v", got[0])
	}
}
