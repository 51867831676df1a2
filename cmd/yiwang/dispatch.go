package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"yiwang/internal/config"
	"yiwang/internal/dispatch"
	"yiwang/internal/workflow"
)

// runDispatch runs the dispatch subcommands: explain and check.
func runDispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := func() {
		fmt.Fprintln(stderr, "Usage: yiwang dispatch <subcommand> [flags]   (yiwang dispatch <subcommand> -h for its flags)")
		fmt.Fprintln(stderr, "\nSubcommands:")
		fmt.Fprintln(stderr, "  explain  why a case went to its unit: the rule, and the rules that nearly matched")
		fmt.Fprintln(stderr, "  check    validate a responsibility list (YAML or CSV) against the units")
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage()
		if len(args) == 0 {
			return fmt.Errorf("%w: dispatch needs a subcommand", errUsage)
		}
		return nil
	}
	switch args[0] {
	case "explain":
		return runDispatchExplain(ctx, args[1:], stdout, stderr)
	case "check":
		return runDispatchCheck(args[1:], stdout, stderr)
	}
	usage()
	return fmt.Errorf("%w: unknown dispatch subcommand %q", errUsage, args[0])
}

func runDispatchExplain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("dispatch explain", "[flags] CASE", stderr)
	var cfg config.Config
	pending := cfg.Register(fs)
	lang := fs.String("lang", "zh", "language of the explanation: zh or en")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, err := pending.Finish(os.Getenv); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *lang != "zh" && *lang != "en" {
		return fmt.Errorf("%w: --lang must be zh or en, got %q", errUsage, *lang)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: dispatch explain takes one case id, got %d arguments", errUsage, fs.NArg())
	}
	st, err := openStore(ctx, &cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	wf, err := workflow.New(workflow.Options{Store: st, Logger: cfg.Logger()})
	if err != nil {
		return err
	}
	if err := wf.LoadRules(ctx); err != nil {
		fmt.Fprintln(stderr, "warning: the stored responsibility list cannot be used; explaining with the built-in one:", err)
	}
	x, err := wf.Explain(ctx, fs.Arg(0))
	if err != nil {
		return fmt.Errorf("explaining case %s: %w", fs.Arg(0), err)
	}
	writeExplanation(stdout, x, *lang == "zh")
	return nil
}

// writeExplanation prints the case's recorded routing, then the decision
// the rules in force make now.
func writeExplanation(w io.Writer, x workflow.Explanation, zh bool) {
	unit := x.Unit
	if x.UnitName != "" {
		unit = x.UnitName + " (" + x.Unit + ")"
	}
	switch {
	case zh && x.Unit == "":
		fmt.Fprintf(w, "案件 %s 尚未派单。\n", x.CaseID)
	case zh && x.RecordedRule == "":
		fmt.Fprintf(w, "案件 %s 由派单员人工派至 %s。\n", x.CaseID, unit)
	case zh:
		fmt.Fprintf(w, "案件 %s 依据规则 %s 派至 %s；现行规则%s选中该规则。\n", x.CaseID, x.RecordedRule, unit, pick(x.StillChosen, "仍会", "不再"))
	case x.Unit == "":
		fmt.Fprintf(w, "Case %s has not been dispatched.\n", x.CaseID)
	case x.RecordedRule == "":
		fmt.Fprintf(w, "Case %s was dispatched to %s by a dispatcher.\n", x.CaseID, unit)
	default:
		fmt.Fprintf(w, "Case %s went to %s by rule %s; the rules in force %s choose it.\n", x.CaseID, unit, x.RecordedRule, pick(x.StillChosen, "still", "no longer"))
	}
	fmt.Fprintf(w, "%s (v%d):\n", pick(zh, "现行规则", "Rules in force"), x.RulesVersion)
	if zh {
		fmt.Fprint(w, x.ZH)
	} else {
		fmt.Fprint(w, x.EN)
	}
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

func runDispatchCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("dispatch check", "[flags] FILE   (.yaml, .yml or .csv)", stderr)
	unitsFile := fs.String("units", "", "units file (YAML); default: the built-in demo units")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: dispatch check takes one rules file, got %d arguments", errUsage, fs.NArg())
	}
	file := fs.Arg(0)
	var units []dispatch.Unit
	var err error
	if *unitsFile != "" {
		units, err = dispatch.LoadUnitsFile(*unitsFile)
	} else {
		units, err = dispatch.DemoUnits()
	}
	if err != nil {
		return reportProblems(stdout, *unitsFile, err)
	}
	dir, err := dispatch.NewDirectory(units)
	if err != nil {
		return reportProblems(stdout, *unitsFile, err)
	}
	rules, err := dispatch.LoadRulesFile(file)
	if err == nil {
		_, err = dispatch.NewEngine(dir, rules)
	}
	if err != nil {
		return reportProblems(stdout, file, err)
	}
	fmt.Fprintf(stdout, "ok: %d rules\n", len(rules))
	return nil
}

// reportProblems prints each problem joined in err on its own line and
// returns an error counting them.
func reportProblems(w io.Writer, file string, err error) error {
	var leaves []error
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		leaves = append(leaves, e)
	}
	walk(err)
	for _, e := range leaves {
		fmt.Fprintln(w, e)
	}
	if file == "" {
		file = "built-in units"
	}
	return fmt.Errorf("%s: %d problem(s)", file, len(leaves))
}
