package hot

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrBadCSV is wrapped by every error about a malformed message CSV.
var ErrBadCSV = errors.New("bad message CSV")

// cst is China Standard Time: the source times carry no zone.
var cst = time.FixedZone("CST", 8*3600)

// ReadCSV reads messages from a CSV whose header names id, title,
// created_at ("2006-01-02 15:04:05", China Standard Time) and body, and
// optionally user, area, support and against (the shape of
// messages_with_support.csv), in any order.
func ReadCSV(r io.Reader) ([]Message, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading CSV header: %w: %w", ErrBadCSV, err)
	}
	head = slices.Clone(head)
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff")
	}
	col := map[string]int{}
	for _, name := range []string{"id", "title", "created_at", "body", "user", "area", "support", "against"} {
		col[name] = slices.Index(head, name)
	}
	for _, req := range []string{"id", "title", "created_at", "body"} {
		if col[req] < 0 {
			return nil, fmt.Errorf("CSV header %q has no column %q: %w", strings.Join(head, ","), req, ErrBadCSV)
		}
	}
	get := func(rec []string, name string) string {
		if i := col[name]; i >= 0 {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []Message
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading CSV: %w: %w", ErrBadCSV, err)
		}
		line, _ := cr.FieldPos(0)
		for _, f := range rec {
			if !utf8.ValidString(f) {
				return nil, fmt.Errorf("CSV line %d: invalid UTF-8: %w", line, ErrBadCSV)
			}
		}
		m := Message{ID: get(rec, "id"), Reporter: get(rec, "user"), Title: get(rec, "title"), Body: get(rec, "body"), Area: get(rec, "area")}
		if m.ID == "" {
			return nil, fmt.Errorf("CSV line %d: empty id: %w", line, ErrBadCSV)
		}
		if m.Time, err = time.ParseInLocation("2006-01-02 15:04:05", get(rec, "created_at"), cst); err != nil {
			return nil, fmt.Errorf("CSV line %d: created_at: %w: %w", line, ErrBadCSV, err)
		}
		for name, dst := range map[string]*int{"support": &m.Support, "against": &m.Against} {
			if s := get(rec, name); s != "" {
				if *dst, err = strconv.Atoi(s); err != nil || *dst < 0 {
					return nil, fmt.Errorf("CSV line %d: %s %q is not a count: %w", line, name, s, ErrBadCSV)
				}
			}
		}
		out = append(out, m)
	}
}
