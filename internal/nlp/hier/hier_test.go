package hier

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"yiwang/internal/nlp/classify"
)

var spec = genSpec{level1: []string{"城乡建设", "环境保护", "交通运输"}, l2: 3, l3: 3, perLeaf: 12, nameRate: 1}

func build(t *testing.T, ex []Example, o Options) (*Model, []Node) {
	t.Helper()
	root, err := trainRoot(Level1(ex))
	if err != nil {
		t.Fatal(err)
	}
	m, nodes, err := Build(root, ex, o)
	if err != nil {
		t.Fatal(err)
	}
	return m, nodes
}

// TestPredictDescends checks on generated messages that a prediction goes
// down to level 3, that each descent reached the threshold, and that the
// confidence is the product along the path.
func TestPredictDescends(t *testing.T) {
	ex := generate(t, spec, 1)
	m, nodes := build(t, ex, Options{})
	trained := 0
	for _, n := range nodes {
		if n.Trained {
			trained++
			if m.Children[Key(n.Path)] == nil {
				t.Errorf("node %v trained but has no child model", n.Path)
			}
		}
	}
	// 3 level-1 classes; 9 level-2 classes, some with fewer than 2 leaves
	// in the taxonomy.
	if trained != len(m.Children) || trained < 9 || m.Depth() != 2 {
		t.Fatalf("%d child models, depth %d; want ≥ 9, 2 (nodes %+v)", len(m.Children), m.Depth(), nodes)
	}
	deep := 0
	for _, e := range generate(t, spec, 2)[:60] {
		p := m.Predict(e.Title, e.Body, 1, 0)[0]
		prod := 1.0
		for i, c := range p.Levels {
			prod *= c
			if i > 0 && c < m.Threshold {
				t.Errorf("%q descended to level %d with confidence %.3f < %.2f", e.Body, i+1, c, m.Threshold)
			}
		}
		if len(p.Levels) != len(p.Path) || math.Abs(prod-p.Confidence) > 1e-12 {
			t.Errorf("path %v levels %v confidence %v: not the product", p.Path, p.Levels, p.Confidence)
		}
		if len(p.Path) == 3 {
			deep++
			if !slices.Equal(p.Path, e.Path) {
				t.Logf("generated %v predicted %v", e.Path, p.Path)
			}
		}
	}
	t.Logf("GENERATED: %d of 60 answered at level 3", deep)
	if deep < 20 {
		t.Errorf("only %d of 60 generated messages naming their level-3 class were answered at level 3", deep)
	}
}

// TestPredictStopsWhenUnsure: a message naming no class stops at level 1;
// a threshold no child reaches leaves the level-1 answer untouched; a floor
// keeps a confident level-1 answer from a less confident descent.
func TestPredictStopsWhenUnsure(t *testing.T) {
	ex := generate(t, spec, 1)
	m, _ := build(t, ex, Options{})
	if p := m.Predict("您好", "请尽快解决，谢谢。", 1, 0)[0]; len(p.Path) != 1 {
		t.Errorf("a message naming no class descended: %+v", p)
	}
	var title, body string
	var p Prediction
	for _, e := range generate(t, spec, 2) {
		if p = m.Predict(e.Title, e.Body, 1, 0)[0]; len(p.Path) == 3 {
			title, body = e.Title, e.Body
			break
		}
	}
	if title == "" {
		t.Fatal("no generated message descended to level 3")
	}
	strict := *m
	strict.Threshold = math.Nextafter(1, 2) // above any confidence
	root := m.Root.Predict(title, body, 1)[0]
	if q := strict.Predict(title, body, 1, 0)[0]; len(q.Path) != 1 || q.Confidence != root.Confidence || q.Path[0] != root.Label {
		t.Errorf("threshold 1: %+v, want the level-1 model's %+v", q, root)
	}
	floor := (p.Levels[0] + p.Levels[0]*p.Levels[1]) / 2
	if q := m.Predict(title, body, 1, floor)[0]; len(q.Path) != 1 {
		t.Errorf("floor %.3f between level 1 (%.3f) and level 2 (%.3f): path %v", floor, p.Levels[0], p.Levels[0]*p.Levels[1], q.Path)
	}
	if q := m.Predict(title, body, 1, p.Confidence/2)[0]; len(q.Path) != 3 {
		t.Errorf("a floor below the path's confidence stopped it at %v", q.Path)
	}
}

// TestBuildLeavesOutSmallClasses: classes with too few examples, too few
// children, or too few per child get no child model, and say why; a
// model without deeper data answers exactly as its level-1 model.
func TestBuildLeavesOutSmallClasses(t *testing.T) {
	small := generate(t, genSpec{level1: []string{"城乡建设"}, l2: 3, l3: 3, perLeaf: 3, nameRate: 1}, 1)        // 9 per level-2 class, 3 per leaf
	one := generate(t, genSpec{level1: []string{"环境保护"}, l2: 1, l3: 3, perLeaf: 12, nameRate: 1}, 1)         // one level-2 child
	flat := generate(t, genSpec{level1: []string{"交通运输", "教育文体"}, l2: 3, l3: 3, perLeaf: 4, nameRate: 1}, 1) // level 1 only
	for i := range flat {
		flat[i].Path = flat[i].Path[:1]
	}
	ex := slices.Concat(small, one, flat)
	m, nodes := build(t, ex, Options{})
	want := map[string]string{ // node → reason fragment ("" = trained)
		"城乡建设": "", // 27 examples over 3 children: too few
		"环境保护": "1 children",
	}
	got := map[string]string{}
	for _, n := range nodes {
		switch {
		case len(n.Path) == 1:
			got[n.Path[0]] = n.Reason
		case n.Path[0] == "城乡建设" && (n.Trained || !strings.Contains(n.Reason, "children with at least 5")):
			t.Errorf("level-2 node %v (3 examples per leaf): trained %t, reason %q", n.Path, n.Trained, n.Reason)
		case n.Path[0] == "环境保护" && !n.Trained:
			t.Errorf("level-2 node %v (12 examples per leaf): not trained: %s", n.Path, n.Reason)
		}
	}
	if !strings.Contains(got["城乡建设"], "27 examples") || !strings.Contains(got["环境保护"], want["环境保护"]) {
		t.Errorf("level-1 reasons %q", got)
	}
	if _, ok := got["交通运输"]; ok || len(got) != 2 {
		t.Errorf("a class without deeper labels became a node")
	}
	// The one level-2 class of 环境保护 with 36 examples over 3 leaves trains.
	if len(m.Children) != 1 {
		t.Errorf("child models %v, want only the level-2 class of 环境保护", keys(m))
	}
	flatOnly, _ := build(t, flat, Options{})
	if len(flatOnly.Children) != 0 {
		t.Fatalf("level-1 data gave child models %v", keys(flatOnly))
	}
	for _, e := range flat[:10] {
		a, b := flatOnly.Predict(e.Title, e.Body, 3, 0), flatOnly.Root.Predict(e.Title, e.Body, 3)
		for i := range b {
			if len(a[i].Path) != 1 || a[i].Path[0] != b[i].Label || a[i].Confidence != b[i].Confidence {
				t.Errorf("without deeper data: %+v, level-1 model %+v", a[i], b[i])
			}
		}
	}
}

func keys(m *Model) []string {
	var out []string
	for k := range m.Children {
		out = append(out, strings.ReplaceAll(k, "\x1f", "/"))
	}
	slices.Sort(out)
	return out
}

func TestModelFile(t *testing.T) {
	ex := generate(t, spec, 1)
	m, _ := build(t, ex, Options{Threshold: 0.7})
	var b bytes.Buffer
	if err := WriteModel(&b, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadModel(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got.Threshold != 0.7 || len(got.Children) != len(m.Children) {
		t.Fatalf("read threshold %v, %d children; want 0.7, %d", got.Threshold, len(got.Children), len(m.Children))
	}
	for _, e := range ex[:20] {
		a, c := m.Predict(e.Title, e.Body, 3, 0), got.Predict(e.Title, e.Body, 3, 0)
		for i := range a {
			if !slices.Equal(a[i].Path, c[i].Path) || math.Abs(a[i].Confidence-c[i].Confidence) > 1e-9 {
				t.Errorf("read model predicts %+v, written %+v", c[i], a[i])
			}
		}
	}
	// A level-1 classify file still loads, without children.
	var old bytes.Buffer
	if err := classify.WriteModel(&old, m.Root); err != nil {
		t.Fatal(err)
	}
	flat, err := ReadModel(bytes.NewReader(old.Bytes()))
	if err != nil {
		t.Fatalf("level-1 file: %v", err)
	}
	if len(flat.Children) != 0 || flat.Threshold != DefaultThreshold || !slices.Equal(flat.Root.Labels, m.Root.Labels) {
		t.Errorf("level-1 file read as %d children, threshold %v, labels %v", len(flat.Children), flat.Threshold, flat.Root.Labels)
	}
	for name, data := range map[string][]byte{"empty": nil, "not gzip": []byte("hello"), "truncated": b.Bytes()[:b.Len()/2]} {
		if _, err := ReadModel(bytes.NewReader(data)); !errors.Is(err, ErrBadModel) && !errors.Is(err, classify.ErrBadModel) {
			t.Errorf("%s: %v, want ErrBadModel", name, err)
		}
	}
}

// TestReadModelRejects checks the structural validation of hier files.
func TestReadModelRejects(t *testing.T) {
	ex := generate(t, spec, 1)
	m, _ := build(t, ex, Options{})
	var orphan Model = *m
	orphan.Children = map[string]*classify.Model{Key([]string{"城乡建设", "9999"}): m.Children[Key([]string{"城乡建设"})]}
	var nolabel Model = *m
	nolabel.Children = map[string]*classify.Model{Key([]string{"没有这一类"}): m.Children[Key([]string{"城乡建设"})]}
	for name, bad := range map[string]*Model{"orphan": &orphan, "unknown label": &nolabel} {
		var b bytes.Buffer
		if err := WriteModel(&b, bad); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadModel(&b); !errors.Is(err, ErrBadModel) {
			t.Errorf("%s: %v, want ErrBadModel", name, err)
		}
	}
}

func FuzzReadModel(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadModel(bytes.NewReader(data))
		if err == nil {
			m.Predict("标题", "内容", 3, 0.5) // a model that loads must predict
		}
	})
}

// TestCrossValidateGenerated is the mechanics check of per-level k-fold
// evaluation on GENERATED messages (see gen_test.go): its figures say the
// descent works on easy templated text, nothing about real messages.
func TestCrossValidateGenerated(t *testing.T) {
	ex := generate(t, genSpec{level1: spec.level1, l2: 3, l3: 3, perLeaf: 16, nameRate: 0.7}, 3)
	r, err := CrossValidate(ex, Folds(ex, 5, 1), trainRoot, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	t.Logf("GENERATED templated messages (mechanics check, not a quality figure), 5-fold:\n%s", b.String())
	if r.N != len(ex) || r.Levels[0].N != len(ex) || r.Levels[2].N != len(ex) {
		t.Fatalf("report counts %d, levels %+v; want %d at every level", r.N, r.Levels, len(ex))
	}
	// 10 % of the generated texts name another class (genNoise).
	if r.Levels[0].Accuracy < 0.8 || r.Levels[1].Accuracy < 0.5 || r.Levels[1].AnsweredAccuracy < 0.8 || r.ECE > 0.15 {
		t.Errorf("generated level accuracy too low for templated text or ECE %.3f too high: %+v", r.ECE, r.Levels)
	}
	if r.Levels[2].Answered >= r.Levels[1].Answered || r.Levels[2].Answered == 0 {
		t.Errorf("level 3 answered %d of level 2's %d: the unnamed 30%% should stop above", r.Levels[2].Answered, r.Levels[1].Answered)
	}
	if math.Abs(r.Accuracy-r.Levels[0].Accuracy) > 1e-12 || r.Level1.N != len(ex) || r.MacroF1 <= 0 {
		t.Errorf("level-1 report: accuracy %v (levels say %v), n %d, macro-F1 %v", r.Accuracy, r.Levels[0].Accuracy, r.Level1.N, r.MacroF1)
	}
	if _, err := CrossValidate(ex, nil, trainRoot, Options{}); !errors.Is(err, ErrNoData) {
		t.Errorf("no folds: %v", err)
	}
}

// TestBuildPrior: the prior hook is asked for each trained class with its
// kept children, and examples labelled outside them are dropped (an
// unknown label would fail training).
func TestBuildPrior(t *testing.T) {
	ex := generate(t, genSpec{level1: []string{"城乡建设", "环境保护"}, l2: 2, l3: 2, perLeaf: 10, nameRate: 1}, 1)
	var asked [][]string
	prior := func(path, children []string) []classify.Example {
		asked = append(asked, slices.Clone(path))
		return []classify.Example{{Body: "先验", Label: children[0]}, {Body: "别的", Label: "不在其中"}}
	}
	m, _ := build(t, ex, Options{Prior: prior})
	if len(asked) != len(m.Children) || len(asked) == 0 {
		t.Errorf("prior asked for %v, child models %v", asked, keys(m))
	}
}

// TestPredictBadInput: odd text never fails and keeps the invariants.
func TestPredictBadInput(t *testing.T) {
	m, _ := build(t, generate(t, spec, 1), Options{})
	long := strings.Repeat("城市建设和市政管理方面的问题", 7200) // ≈ 100,000 characters
	for name, body := range map[string]string{"empty": "", "punctuation": "，。！？……", "english": "the street light is broken",
		"emoji": "🚧🚧💡", "long": long, "invalid utf-8": "\xff\xfe城管\xc3"} {
		for _, floor := range []float64{0, 0.8} {
			ps := m.Predict("", body, 3, floor)
			if len(ps) != 3 {
				t.Fatalf("%s: %d predictions", name, len(ps))
			}
			for _, p := range ps {
				prod := 1.0
				for _, c := range p.Levels {
					prod *= c
				}
				if len(p.Path) == 0 || len(p.Path) > MaxDepth || p.Confidence < 0 || p.Confidence > 1 || math.Abs(prod-p.Confidence) > 1e-12 {
					t.Errorf("%s: %+v", name, p)
				}
			}
		}
	}
}
