package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"yiwang/internal/category"
	"yiwang/internal/demo"
	"yiwang/internal/nlp"
	"yiwang/internal/nlp/classify"
	"yiwang/internal/nlp/hier"
	"yiwang/internal/nlp/hot"
	"yiwang/internal/nlp/unit"
	"yiwang/internal/workflow"
)

func runNLP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, "Usage: yiwang nlp <command> [flags]\n\nCommands:\n  train    train a classifier on a labelled CSV and write the model file (--category COLUMN: the hierarchical one, levels 1–3)\n  eval     stratified k-fold evaluation of a labelled CSV, or of a model file on one\n  predict  print the top-3 labels of one message with a model file\n  units    extract answering units from official replies; k-fold evaluation of a unit-type classifier\n  hot      cluster messages into hot issues and print the hottest with their members")
		if len(args) == 0 {
			return fmt.Errorf("%w: nlp needs a command", errUsage)
		}
		return nil
	}
	switch args[0] {
	case "train":
		return nlpTrain(ctx, args[1:], stdout, stderr)
	case "eval":
		return nlpEval(ctx, args[1:], stdout, stderr)
	case "predict":
		return nlpPredict(ctx, args[1:], stdout, stderr)
	case "units":
		return nlpUnits(ctx, args[1:], stdout, stderr)
	case "hot":
		return nlpHot(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("%w: unknown nlp command %q (known: train, eval, predict, units, hot)", errUsage, args[0])
}

// nlpTrainFlags are the training options shared by train and eval.
type nlpTrainFlags struct {
	label     *string
	unlabeled *bool
	selfTrain *float64
	weak      *bool
	taxonomy  *bool
	selectL2  *bool
	fitBias   *bool
	seed      *uint64
}

func addTrainFlags(fs interface {
	String(string, string, string) *string
	Bool(string, bool, string) *bool
	Float64(string, float64, string) *float64
	Uint64(string, uint64, string) *uint64
}) nlpTrainFlags {
	return nlpTrainFlags{
		label:     fs.String("label", "level1", "CSV column holding the label"),
		unlabeled: fs.Bool("unlabeled", false, "count the embedded unlabelled messages (replies and support sets) in the IDF statistics"),
		selfTrain: fs.Float64("self-train", 0, "with --unlabeled: add unlabelled messages predicted with at least this confidence as pseudo-labels (0 = off)"),
		weak:      fs.Bool("weak", true, "add the embedded replied messages labelled by their answering unit's category as weak examples (nlp.WeakWeight), within the CSV's labels"),
		taxonomy:  fs.Bool("taxonomy", true, "add the default taxonomy's category names under the CSV's labels as prior examples (nlp.TaxonomyExamples)"),
		selectL2:  fs.Bool("select-l2", true, "choose the weight decay by cross-validation inside the training data (classify.Options.SelectL2)"),
		fitBias:   fs.Bool("fit-bias", true, "shift the class biases for macro-F1 on held-out predictions inside the training data (classify.Options.FitBias)"),
		seed:      fs.Uint64("seed", 1, "shuffling and fold seed"),
	}
}

func (f nlpTrainFlags) options(labeled []classify.Example) (classify.Options, error) {
	o := classify.Options{Seed: *f.seed, SelfTrain: *f.selfTrain, SelectL2: *f.selectL2, FitBias: *f.fitBias}
	if *f.taxonomy {
		keep := map[string]bool{}
		for _, e := range labeled {
			keep[e.Label] = true
		}
		prior, err := nlp.TaxonomyExamples(keep)
		if err != nil {
			return o, err
		}
		o.Prior = prior
	}
	if !*f.unlabeled && !*f.weak {
		return o, nil
	}
	msgs, err := demo.Messages()
	if err != nil {
		return o, err
	}
	if *f.weak {
		keep := map[string]bool{}
		for _, e := range labeled {
			keep[e.Label] = true
		}
		var replies []unit.Reply
		for _, m := range msgs {
			if m.Set == demo.SetReplies {
				replies = append(replies, unit.Reply{Title: m.Title, Body: m.Body, Reply: m.Reply})
			}
		}
		o.Weak, o.WeakWeight = unit.WeakCategories(replies, keep), nlp.WeakWeight
	}
	if *f.unlabeled {
		for _, m := range msgs {
			if m.Set != demo.SetLabeled {
				o.Unlabeled = append(o.Unlabeled, classify.Example{Title: m.Title, Body: m.Body})
			}
		}
	}
	return o, nil
}

func readExamples(path, label string) ([]classify.Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening data: %w", err)
	}
	defer f.Close()
	ex, err := classify.ReadCSV(f, label)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ex, nil
}

func nlpTrain(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("nlp train", "--data FILE --out MODEL [--label level1 | --category COLUMN] [--unlabeled] [--self-train P]", stderr)
	data := fs.String("data", "", "labelled CSV with columns title, body and the label column")
	out := fs.String("out", "", "model file to write")
	catCol := fs.String("category", "", "train the hierarchical model (nlp/hier) from this CSV column instead of --label: a default-taxonomy category code of any level (01, 0102, 010203) or its path of names (城乡建设 / 城市建设和市政管理 / 园林绿化环卫); the level-1 model learns the first-level names, classes with enough deeper rows get child models")
	tf := addTrainFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *data == "" || *out == "" {
		return fmt.Errorf("%w: --data and --out are required", errUsage)
	}
	if *catCol != "" {
		return nlpTrainHier(*data, *catCol, *out, tf, stdout)
	}
	ex, err := readExamples(*data, *tf.label)
	if err != nil {
		return err
	}
	o, err := tf.options(ex)
	if err != nil {
		return err
	}
	m, err := classify.Train(ex, o)
	if err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return fmt.Errorf("creating model file: %w", err)
	}
	if err := classify.WriteModel(f, m); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing model file: %w", err)
	}
	fmt.Fprintf(stdout, "trained on %d messages, %d labels, %d features, temperature %.3f; wrote %s\n", len(ex), len(m.Labels), m.Features(), m.Temperature, *out)
	return nil
}

func readModel(path string) (*classify.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening model: %w", err)
	}
	defer f.Close()
	return classify.ReadModel(f)
}

func nlpEval(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("nlp eval", "--data FILE [--folds 5 | --model MODEL] [--category COLUMN] [--json]", stderr)
	data := fs.String("data", "", "labelled CSV with columns title, body and the label column")
	model := fs.String("model", "", "evaluate this model file on all of --data instead of cross-validating")
	folds := fs.Int("folds", 5, "stratified folds")
	asJSON := fs.Bool("json", false, "print one JSON object")
	catCol := fs.String("category", "", "evaluate the hierarchical model per level on this CSV column (see nlp train --category): accuracy at levels 1–3 and the calibration of the product confidence")
	tf := addTrainFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *data == "" {
		return fmt.Errorf("%w: --data is required", errUsage)
	}
	if *catCol != "" {
		return nlpEvalHier(*data, *catCol, *model, *folds, *asJSON, tf, stdout)
	}
	ex, err := readExamples(*data, *tf.label)
	if err != nil {
		return err
	}
	var r classify.Report
	if *model != "" {
		m, err := readModel(*model)
		if err != nil {
			return err
		}
		r = classify.Evaluate(m, ex)
	} else {
		if *folds < 2 || *folds > len(ex) {
			return fmt.Errorf("%w: --folds must be between 2 and the number of rows", errUsage)
		}
		o, err := tf.options(ex)
		if err != nil {
			return err
		}
		if r, _, err = classify.CrossValidate(ex, classify.Folds(ex, *folds, *tf.seed), o); err != nil {
			return err
		}
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(r)
	}
	return r.WriteText(stdout)
}

func nlpPredict(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("nlp predict", "--model MODEL --title TITLE [--body BODY]", stderr)
	model := fs.String("model", "", "model file")
	title := fs.String("title", "", "message title")
	body := fs.String("body", "", "message body")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *model == "" {
		return fmt.Errorf("%w: --model is required", errUsage)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	m, err := readModel(*model)
	if errors.Is(err, classify.ErrBadModel) { // a hierarchical model file?
		h, herr := readHierModel(*model)
		if herr != nil {
			return herr
		}
		return enc.Encode(h.Predict(*title, *body, 3, 0))
	}
	if err != nil {
		return err
	}
	return enc.Encode(m.Predict(*title, *body, 3))
}

func nlpUnits(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("nlp units", "[--data messages_with_replies.csv] [--folds 5] [--min 20] [--seeds 1] [--cues 0,2] [--merge-local] [--prior=true] [--balanced=true] [--json]", stderr)
	data := fs.String("data", "", "CSV with columns title, body, reply; default: the embedded replies set")
	folds := fs.Int("folds", 5, "stratified folds")
	minPer := fs.Int("min", 20, "unit types with fewer examples are left out")
	seeds := fs.Int("seeds", 1, "evaluate on the folds of seeds 1..N and print each and the mean")
	cues := fs.String("cues", "0,2", "candidate weights of the router's cue words (unit.Cues), chosen by 3-fold cross-validation inside each training part; 0 = none")
	local := fs.Bool("merge-local", false, "count 街道乡镇 and 区县政府 as one type, 属地政府 (territorial government: which one follows from the place, not the text)")
	prior := fs.Bool("prior", true, "add each unit type's name keywords as a prior example (unit.PriorExamples)")
	balanced := fs.Bool("balanced", true, "weigh the unit types equally in training (false: by their frequency; measured no more accurate)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *folds < 2 || *minPer < *folds || *seeds < 1 {
		return fmt.Errorf("%w: --folds must be at least 2, --min at least --folds and --seeds at least 1", errUsage)
	}
	var weights []int
	for _, f := range strings.Split(*cues, ",") {
		w, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || w < 0 || w > 10 {
			return fmt.Errorf("%w: --cues must list weights 0 to 10, got %q", errUsage, f)
		}
		weights = append(weights, w)
	}
	var replies []unit.Reply
	if *data != "" {
		ex, err := readExamples(*data, "reply")
		if err != nil {
			return err
		}
		for _, e := range ex {
			replies = append(replies, unit.Reply{Title: e.Title, Body: e.Body, Reply: e.Label})
		}
	} else {
		var err error
		if replies, err = unit.DemoReplies(); err != nil {
			return err
		}
	}
	ex, cov := unit.Examples(replies, *minPer)
	if *local {
		ex, cov = unit.MergeLocal(ex, cov)
	}
	o := unit.RouterOptions{Classify: classify.Options{Unbalanced: !*balanced}, CueWeights: weights}
	if *prior {
		keep := map[string]bool{}
		for _, t := range cov.Types {
			keep[t] = true
		}
		o.Classify.Prior = unit.PriorExamples(keep)
	}
	var seedList []uint64
	for s := range *seeds {
		seedList = append(seedList, uint64(s+1))
	}
	cmp, err := unit.Compare(ex, *folds, seedList, o)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(struct {
			Coverage   unit.Coverage   `json:"coverage"`
			Comparison unit.Comparison `json:"comparison"`
			Report     classify.Report `json:"report"` // the router's, first seed
		}{cov, cmp, cmp.Seeds[0].Report})
	}
	fmt.Fprintf(stdout, "%d of %d replies name a unit of known type (%.1f%%); by type: %v\n", cov.Found, cov.Replies, 100*float64(cov.Found)/float64(max(1, cov.Replies)), cov.ByType)
	fmt.Fprintf(stdout, "%d types with at least %d examples (%d messages), %d-fold; text only = the classifier without cues, router = with cue weight chosen among %v inside each training part\n\n", len(cov.Types), *minPer, cov.Kept, *folds, weights)
	fmt.Fprintf(stdout, "%-6s %-9s %8s %6s %8s %6s  %s\n", "seed", "model", "accuracy", "top-3", "macro-F1", "ECE", "cue weight by fold")
	row := func(seed, model string, f unit.Figures, w []int) {
		ws := ""
		if w != nil {
			ws = fmt.Sprint(w)
		}
		fmt.Fprintf(stdout, "%-6s %-9s %8.3f %6.3f %8.3f %6.3f  %s\n", seed, model, f.Accuracy, f.Top3, f.MacroF1, f.ECE, ws)
	}
	for _, s := range cmp.Seeds {
		row(strconv.FormatUint(s.Seed, 10), "text only", s.Baseline, nil)
		row("", "router", s.Router, s.CueWeights)
	}
	row("mean", "text only", cmp.Baseline, nil)
	row("", "router", cmp.Router, nil)
	fmt.Fprintf(stdout, "\nrouter, seed %d:\n\n", cmp.Seeds[0].Seed)
	return cmp.Seeds[0].Report.WriteText(stdout)
}

func nlpHot(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("nlp hot", "[--data messages_with_support.csv] [--top 5] [--eval] [--json]", stderr)
	data := fs.String("data", "", "CSV with columns id, title, created_at, body (and user, support, against); default: the embedded support set")
	top := fs.Int("top", 5, "issues to print")
	eval := fs.Bool("eval", false, "also measure the clustering and the names: coherence against random groups, cut words, stability when 10% of the messages are dropped")
	asJSON := fs.Bool("json", false, "print the issues as JSON (with --eval: an object with the evaluation and the issues)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var msgs []hot.Message
	if *data != "" {
		f, err := os.Open(*data)
		if err != nil {
			return fmt.Errorf("opening data: %w", err)
		}
		msgs, err = hot.ReadCSV(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *data, err)
		}
	} else {
		all, err := demo.Messages()
		if err != nil {
			return err
		}
		for _, m := range all {
			if m.Set == demo.SetSupport {
				msgs = append(msgs, hot.Message{ID: m.ID, Title: m.Title, Body: m.Body, Time: m.CreatedAt, Support: m.Support, Against: m.Against})
			}
		}
	}
	// The data is historical: "now" is just after its last message.
	var now time.Time
	byID := map[string]hot.Message{}
	for _, m := range msgs {
		if m.Time.After(now) {
			now = m.Time
		}
		byID[m.ID] = m
	}
	now = now.Add(time.Second)
	var (
		issues []hot.Issue
		ev     hot.Evaluation
	)
	if *eval {
		ev, issues = hot.Evaluate(msgs, now, hot.Options{}, hot.EvalOptions{Top: max(1, *top)})
	} else {
		issues = hot.Cluster(msgs, now, hot.Options{})
	}
	issues = issues[:min(max(0, *top), len(issues))]
	if *asJSON {
		if *eval {
			return json.NewEncoder(stdout).Encode(struct {
				Evaluation hot.Evaluation `json:"evaluation"`
				Issues     []hot.Issue    `json:"issues"`
			}{ev, issues})
		}
		return json.NewEncoder(stdout).Encode(issues)
	}
	fmt.Fprintf(stdout, "%d messages up to %s; hottest %d issues (name: area, place, key terms)\n", len(msgs), now.Format(time.DateOnly), len(issues))
	for i, is := range issues {
		fmt.Fprintf(stdout, "\n#%d  %s\n    heat %.2f: %d messages, %d reporters, %d votes, %d in the last 7 days, %s … %s\n", i+1, is.Name, is.Heat,
			len(is.Members), is.Reporters, is.Votes, is.Recent, is.First.Format(time.DateOnly), is.Last.Format(time.DateOnly))
		area, place := is.Area, is.Place
		if area == "" {
			area = "—"
		}
		if place == "" {
			place = "—"
		}
		fmt.Fprintf(stdout, "    area %s · place %s · terms %s\n", area, place, strings.Join(is.Terms, "、"))
		for _, id := range is.Members {
			m := byID[id]
			fmt.Fprintf(stdout, "    %-8s %s  %s\n", id, m.Time.Format(time.DateOnly), m.Title)
		}
	}
	if *eval {
		fmt.Fprintf(stdout, "\nEvaluation (%d messages, %d issues)\n", ev.Messages, ev.Issues)
		fmt.Fprintf(stdout, "  coherence (mean pairwise bigram cosine): issues %.3f vs random groups of the same sizes %.3f; top %d %.3f vs %.3f\n",
			ev.Coherence, ev.RandomCoherence, len(issues), ev.TopCoherence, ev.TopRandom)
		for _, n := range []struct {
			label string
			f     hot.NameFigures
		}{{"word names", ev.Words}, {"gram names (before)", ev.Grams}} {
			fmt.Fprintf(stdout, "  %-19s hottest %d: %d of %d terms cut, %d names with a cut term, %d with a place; top %d: %d of %d terms cut; e.g. %s\n",
				n.label, n.f.Names, n.f.Cut, n.f.Terms, n.f.CutNames, n.f.WithPlace, len(issues), n.f.TopCut, n.f.TopTerms, strings.Join(n.f.CutExample, " "))
		}
		fmt.Fprintf(stdout, "  stability (10%% dropped, top %d): Jaccard mean %.3f, lowest %.3f; match still in the top %d: %.0f%%; same word name %.0f%%, same gram name %.0f%%\n",
			len(issues), ev.StabilityJaccard, ev.StabilityMinJaccard, len(issues), 100*ev.StabilityTopKept, 100*ev.SameWordName, 100*ev.SameGramName)
		fmt.Fprintf(stdout, "  cut rule: %s\n", ev.CutRule)
	}
	return nil
}

// readPaths reads a labelled CSV whose column col holds a category of the
// default taxonomy (categoryPathOf) as hierarchical examples.
func readPaths(path, col string) ([]hier.Example, *category.Taxonomy, error) {
	ex, err := readExamples(path, col)
	if err != nil {
		return nil, nil, err
	}
	tax, err := category.Default()
	if err != nil {
		return nil, nil, err
	}
	out := make([]hier.Example, len(ex))
	for i, e := range ex {
		p, err := categoryPathOf(tax, e.Label)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: data row %d, column %s: %w", path, i+1, col, err)
		}
		out[i] = hier.Example{Title: e.Title, Body: e.Body, Path: p}
	}
	return out, tax, nil
}

// categoryPathOf reads a category given as a code of tax or as its names
// from level 1 down, separated by "/", as a workflow.CategoryPath.
func categoryPathOf(tax *category.Taxonomy, v string) ([]string, error) {
	if p, ok := workflow.CategoryPath(tax, v); ok {
		return p, nil
	}
	names := strings.Split(v, "/")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	want := strings.Join(names, " / ")
	for _, c := range tax.All() {
		if c.Path == want {
			p, _ := workflow.CategoryPath(tax, c.Code)
			return p, nil
		}
	}
	return nil, fmt.Errorf("%q is neither a category code nor a category path of the taxonomy", v)
}

// hierRoot trains the level-1 model of a hierarchical model with the
// training flags.
func (f nlpTrainFlags) hierRoot(ex []classify.Example) (*classify.Model, error) {
	o, err := f.options(ex)
	if err != nil {
		return nil, err
	}
	return classify.Train(ex, o)
}

func hierOptions(seed uint64, tax *category.Taxonomy) hier.Options {
	return hier.Options{Child: classify.Options{Seed: seed}, Prior: nlp.TaxonomyPrior(tax)}
}

func nlpTrainHier(data, col, out string, tf nlpTrainFlags, stdout io.Writer) error {
	paths, tax, err := readPaths(data, col)
	if err != nil {
		return err
	}
	root, err := tf.hierRoot(hier.Level1(paths))
	if err != nil {
		return err
	}
	m, nodes, err := hier.Build(root, paths, hierOptions(*tf.seed, tax))
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return fmt.Errorf("creating model file: %w", err)
	}
	if err := hier.WriteModel(f, m); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing model file: %w", err)
	}
	fmt.Fprintf(stdout, "trained on %d messages, %d level-1 labels, %d child models (threshold %.2f); wrote %s\n", len(paths), len(root.Labels), len(m.Children), m.Threshold, out)
	for _, n := range nodes {
		state := "child model over " + strings.Join(n.KeptChildren, ", ")
		if !n.Trained {
			state = "no child model: " + n.Reason
		}
		fmt.Fprintf(stdout, "  %s: %d examples below, %s\n", strings.Join(n.Path, " / "), n.Examples, state)
	}
	return nil
}

// readHierModel reads a hierarchical model file, or a level-1 one.
func readHierModel(path string) (*hier.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening model: %w", err)
	}
	defer f.Close()
	return hier.ReadModel(f)
}

func nlpEvalHier(data, col, model string, folds int, asJSON bool, tf nlpTrainFlags, stdout io.Writer) error {
	paths, tax, err := readPaths(data, col)
	if err != nil {
		return err
	}
	var r hier.Report
	if model != "" {
		m, err := readHierModel(model)
		if err != nil {
			return err
		}
		r = hier.Evaluate(m, paths)
	} else {
		if folds < 2 || folds > len(paths) {
			return fmt.Errorf("%w: --folds must be between 2 and the number of rows", errUsage)
		}
		if r, err = hier.CrossValidate(paths, hier.Folds(paths, folds, *tf.seed), tf.hierRoot, hierOptions(*tf.seed, tax)); err != nil {
			return err
		}
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(r)
	}
	return r.WriteText(stdout)
}
