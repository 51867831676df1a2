package classify

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// ErrBadCSV is wrapped by every error about a malformed labelled CSV.
var ErrBadCSV = errors.New("bad labelled CSV")

// ReadCSV reads labelled messages from a CSV with a header naming at least
// the columns title, body and labelColumn (e.g. "level1"), in any order;
// other columns are ignored. Every row needs valid UTF-8 and a non-empty
// label; a UTF-8 byte-order mark before the header is skipped.
func ReadCSV(r io.Reader, labelColumn string) ([]Example, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading CSV header: %w: %w", ErrBadCSV, err)
	}
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff")
	}
	col := func(name string) (int, error) {
		i := slices.Index(head, name)
		if i < 0 {
			return 0, fmt.Errorf("CSV header %q has no column %q: %w", strings.Join(head, ","), name, ErrBadCSV)
		}
		return i, nil
	}
	ti, err := col("title")
	if err != nil {
		return nil, err
	}
	bi, err := col("body")
	if err != nil {
		return nil, err
	}
	li, err := col(labelColumn)
	if err != nil {
		return nil, err
	}
	var out []Example
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading CSV: %w: %w", ErrBadCSV, err)
		}
		line, _ := cr.FieldPos(0)
		e := Example{Title: strings.TrimSpace(rec[ti]), Body: strings.TrimSpace(rec[bi]), Label: strings.TrimSpace(rec[li])}
		if !utf8.ValidString(e.Title) || !utf8.ValidString(e.Body) || !utf8.ValidString(e.Label) {
			return nil, fmt.Errorf("CSV line %d: invalid UTF-8: %w", line, ErrBadCSV)
		}
		if e.Label == "" {
			return nil, fmt.Errorf("CSV line %d: empty %s: %w", line, labelColumn, ErrBadCSV)
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("CSV has no rows: %w", ErrBadCSV)
	}
	return out, nil
}
