package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"yiwang/internal/cases"
	"yiwang/internal/config"
	"yiwang/internal/store"
	"yiwang/internal/store/sqlstore"
)

// openStore opens only the store named by the config (import and export
// need no geography or API).
func openStore(ctx context.Context, cfg *config.Config) (*sqlstore.Store, error) {
	st, err := sqlstore.Open(ctx, cfg.DB, sqlstore.Options{Logger: cfg.Logger(), IDPrefix: cfg.IDPrefix})
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", redactDSN(cfg.DB), err)
	}
	return st, nil
}

func storeFlags(name, synopsis string, args []string, stderr io.Writer) (*config.Config, []string, error) {
	return parseStoreFlags(newFlagSet(name, synopsis, stderr), args)
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, rest, err := storeFlags("export", "[flags] [FILE]   (default: standard output)", args, stderr)
	if err != nil {
		return err
	}
	if len(rest) > 1 {
		return fmt.Errorf("%w: export takes at most one file name, got %d", errUsage, len(rest))
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	out := stdout
	if len(rest) == 1 {
		f, err := os.Create(rest[0])
		if err != nil {
			return fmt.Errorf("creating export file: %w", err)
		}
		defer f.Close()
		out = f
	}
	n, err := exportEvents(ctx, st, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exported %d events\n", n)
	return nil
}

// exportEvents writes every event in log order as one JSON object per line.
func exportEvents(ctx context.Context, st store.Store, w io.Writer) (int, error) {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	var after int64
	total := 0
	for {
		evs, err := st.Events(ctx, after, 1000)
		if err != nil {
			return total, fmt.Errorf("reading events: %w", err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			if err := enc.Encode(e); err != nil {
				return total, fmt.Errorf("writing event: %w", err)
			}
		}
		total += len(evs)
		after = evs[len(evs)-1].Pos
	}
	if err := bw.Flush(); err != nil {
		return total, fmt.Errorf("writing events: %w", err)
	}
	return total, nil
}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, rest, err := storeFlags("import", "[flags] FILE   (JSON lines of events, as written by export; - for standard input)", args, stderr)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("%w: import takes exactly one file name (or -), got %d", errUsage, len(rest))
	}
	in := io.Reader(os.Stdin)
	if rest[0] != "-" {
		f, err := os.Open(rest[0])
		if err != nil {
			return fmt.Errorf("opening import file: %w", err)
		}
		defer f.Close()
		in = f
	}
	histories, err := readHistories(in)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	const chunk = 500
	for i := 0; i < len(histories); i += chunk {
		if err := st.Import(ctx, histories[i:min(i+chunk, len(histories))]); err != nil {
			return fmt.Errorf("importing cases %d to %d: %w (earlier chunks were imported)", i+1, min(i+chunk, len(histories)), err)
		}
	}
	fmt.Fprintf(stdout, "imported %d cases\n", len(histories))
	return nil
}

// readHistories groups JSON lines of events into per-case histories, in
// the order each case first appears, checking every history replays.
func readHistories(r io.Reader) ([][]cases.Event, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	index := map[string]int{}
	var histories [][]cases.Event
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var e cases.Event
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("line %d: not an event: %w", line, err)
		}
		if e.CaseID == "" {
			return nil, fmt.Errorf("line %d: event has no case_id", line)
		}
		e.Pos = 0
		i, ok := index[e.CaseID]
		if !ok {
			i = len(histories)
			index[e.CaseID] = i
			histories = append(histories, nil)
		}
		histories[i] = append(histories[i], e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading import file: %w", err)
	}
	for _, h := range histories {
		if _, err := cases.Replay(h); err != nil {
			return nil, fmt.Errorf("case %s: %w", h[0].CaseID, err)
		}
	}
	return histories, nil
}
