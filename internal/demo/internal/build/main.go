// Command build makes internal/demo/data/messages.csv.gz from the 2020 TipDM
// Cup message files in /work/shared/data/tipdm2020c (see ../../data/NOTICE).
//
// It keeps every row of messages_with_replies.csv and messages_labeled.csv and
// a fixed subset of messages_with_support.csv (every row with at least one
// support or against vote, then every k-th remaining row by id until the
// subset has -support rows), deduplicates by id, truncates bodies to -maxbody
// characters and writes the rows sorted by id as a deterministic gzip file.
//
//	go run ./internal/demo/internal/build -src /work/shared/data/tipdm2020c -out internal/demo/data/messages.csv.gz
package main

import (
	"compress/gzip"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// header is the column list of the output file.
var header = []string{"id", "set", "title", "created_at", "body", "reply", "replied_at", "level1", "support", "against"}

func main() {
	src := flag.String("src", "/work/shared/data/tipdm2020c", "directory with the TipDM 2020 C csv files")
	out := flag.String("out", "internal/demo/data/messages.csv.gz", "output file")
	nSupport := flag.Int("support", 1500, "rows to keep from messages_with_support.csv")
	maxBody := flag.Int("maxbody", 1500, "truncate bodies to this many characters")
	flag.Parse()
	if err := run(*src, *out, *nSupport, *maxBody); err != nil {
		slog.Error("build failed", "err", err)
		os.Exit(1)
	}
}

type row map[string]string

func run(src, out string, nSupport, maxBody int) error {
	replies, err := readCSV(filepath.Join(src, "messages_with_replies.csv"))
	if err != nil {
		return err
	}
	labeled, err := readCSV(filepath.Join(src, "messages_labeled.csv"))
	if err != nil {
		return err
	}
	support, err := readCSV(filepath.Join(src, "messages_with_support.csv"))
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var rows []row
	add := func(set string, rs []row) {
		for _, r := range rs {
			if seen[r["id"]] {
				continue
			}
			seen[r["id"]] = true
			r["set"] = set
			rows = append(rows, r)
		}
	}
	add("replies", replies)
	add("labeled", labeled)
	add("support", pickSupport(support, nSupport))
	for _, r := range rows {
		r["body"] = truncate(r["body"], maxBody)
	}
	slices.SortFunc(rows, func(a, b row) int { return idNum(a) - idNum(b) })
	return write(out, rows)
}

// pickSupport keeps every row with votes, then every k-th of the others (in id
// order) until n rows are kept.
func pickSupport(rs []row, n int) []row {
	slices.SortFunc(rs, func(a, b row) int { return idNum(a) - idNum(b) })
	var voted, rest []row
	for _, r := range rs {
		s, _ := strconv.Atoi(r["support"])
		a, _ := strconv.Atoi(r["against"])
		if s+a > 0 {
			voted = append(voted, r)
		} else {
			rest = append(rest, r)
		}
	}
	if len(voted) >= n {
		return voted[:n]
	}
	need := n - len(voted)
	step := max(1, len(rest)/need)
	for i := 0; i < len(rest) && need > 0; i += step {
		voted = append(voted, rest[i])
		need--
	}
	return voted
}

func idNum(r row) int {
	n, _ := strconv.Atoi(r["id"])
	return n
}

func truncate(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
}

func readCSV(path string) ([]row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening source: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading %s header: %w", path, err)
	}
	var rows []row
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		r := row{}
		for i, h := range head {
			r[h] = rec[i]
		}
		rows = append(rows, r)
	}
}

func write(path string, rows []row) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating output: %w", err)
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(zw)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	for _, r := range rows {
		rec := make([]string, len(header))
		for i, h := range header {
			rec[i] = r[h]
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("writing output: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compressing output: %w", err)
	}
	return f.Close()
}
