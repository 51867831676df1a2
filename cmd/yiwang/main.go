// Command yiwang runs the Yiwang (一网) city operations platform.
//
//	yiwang demo      run with the embedded store and Wuhan demo data
//	yiwang serve     run the HTTP API
//	yiwang import    load case histories (JSON lines of events)
//	yiwang export    write every event as JSON lines
//	yiwang bench     measure the platform (bench intake …)
//	yiwang dispatch  explain a case's routing (explain), check a rules file (check)
//	yiwang nlp       train, evaluate and try the message classifier
//	yiwang version   print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"demo", "run the platform with the embedded store and Wuhan demo data", runDemo},
		{"serve", "run the HTTP API", runServe},
		{"import", "load case histories from JSON lines of events", runImport},
		{"export", "write every event as JSON lines", runExport},
		{"bench", "measure the platform: bench intake", runBench},
		{"dispatch", "explain a case's routing, check a responsibility list", runDispatch},
		{"nlp", "read messages: train and evaluate the classifier", runNLP},
		{"sim", "play generated sensor readings into a running platform: sim sensors", runSim},
		{"user", "manage users in --db: user add|list|disable|enable|token", runUser},
		{"version", "print the version", runVersion},
	}
}

// errUsage marks errors caused by how the command was called (exit code 2).
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "yiwang:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "yiwang:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return fmt.Errorf("%w: no command given", errUsage)
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Yiwang (一网) — one network for the city's cases.")
	fmt.Fprintln(w, "\nUsage: yiwang <command> [flags]   (yiwang <command> -h for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("yiwang "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: yiwang %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, turning a bad flag into a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "yiwang", version)
	return nil
}
