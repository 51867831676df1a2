package dispatch

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// CSVHeader is the header line rules CSV files must start with.
const CSVHeader = "id,category,area,severity,window,lead,co,note"

func csvHeader() []string { return strings.Split(CSVHeader, ",") }

// ReadRulesCSV reads rules from CSV with the header CSVHeader; co lists
// unit codes separated by '|'. Fields are trimmed of surrounding spaces.
// Each rule is checked with CheckRule; errors name the file, line, rule id
// and field. Units and conflicts are checked by NewEngine. file only labels
// errors and Sources.
func ReadRulesCSV(r io.Reader, file string) ([]Rule, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // counted below, to name the header
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("empty file, want a header line")
		}
		return nil, &FieldError{Source: Source{File: file, Line: 1}, Err: fmt.Errorf("%w: %w", ErrMalformed, err)}
	}
	header[0] = strings.TrimPrefix(header[0], "\uFEFF")
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	want := csvHeader()
	if !slices.Equal(header, want) {
		return nil, &FieldError{Source: Source{File: file, Line: 1}, Field: "header",
			Err: malformed("header %q, want %q", strings.Join(header, ","), CSVHeader)}
	}
	var rules []Rule
	var errs []error
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, &FieldError{Source: Source{File: file}, Err: fmt.Errorf("%w: %w", ErrMalformed, err)})
			break
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(want) {
			errs = append(errs, &FieldError{Source: Source{File: file, Line: line},
				Err: malformed("%d fields, want %d", len(rec), len(want))})
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		rule := Rule{ID: rec[0], Category: rec[1], Area: rec[2], Severity: Severity(rec[3]), Window: rec[4],
			Lead: rec[5], Note: rec[7], Source: Source{File: file, Line: line}}
		if rec[6] != "" {
			for _, c := range strings.Split(rec[6], "|") {
				rule.Co = append(rule.Co, strings.TrimSpace(c))
			}
		}
		if err := CheckRule(rule); err != nil {
			errs = append(errs, err)
			continue
		}
		rules = append(rules, rule)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return rules, nil
}

// WriteRulesCSV writes rules in the format ReadRulesCSV reads.
func WriteRulesCSV(w io.Writer, rules []Rule) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader()); err != nil {
		return fmt.Errorf("writing csv header: %w", err)
	}
	for _, r := range rules {
		rec := []string{r.ID, r.Category, r.Area, string(r.Severity), r.Window, r.Lead, strings.Join(r.Co, "|"), r.Note}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("writing rule %q: %w", r.ID, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing csv: %w", err)
	}
	return nil
}

// LoadRulesFile reads rules from a .yaml, .yml or .csv file.
func LoadRulesFile(path string) ([]Rule, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening rules: %w", err)
	}
	defer f.Close()
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return ReadRulesYAML(f, path)
	case ".csv":
		return ReadRulesCSV(f, path)
	}
	return nil, fmt.Errorf("%w: rules file %s: want .yaml, .yml or .csv", ErrMalformed, path)
}

// LoadUnitsFile reads units from a YAML file.
func LoadUnitsFile(path string) ([]Unit, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening units: %w", err)
	}
	defer f.Close()
	return ReadUnitsYAML(f, path)
}
