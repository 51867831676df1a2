package category

import (
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

//go:embed data/taxonomy.csv
var defaultCSV string

// ErrUnknown is returned for a code that is not in the taxonomy.
var ErrUnknown = errors.New("unknown category")

// Category is one node of the taxonomy.
type Category struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  int    `json:"level"`
	Parent string `json:"parent,omitempty"`
	// Path is the names from level 1 down to this node, joined by " / ".
	Path string `json:"path"`
}

// Taxonomy is an immutable set of categories, safe for concurrent use.
type Taxonomy struct {
	byCode map[string]Category
	codes  []string // sorted
}

// Default returns the embedded real taxonomy.
func Default() (*Taxonomy, error) {
	return Parse(strings.NewReader(defaultCSV))
}

// Parse reads a CSV with header level1,level2,level3 and assigns codes by
// order of first appearance, two digits per level.
func Parse(r io.Reader) (*Taxonomy, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 3
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading taxonomy header: %w", err)
	}
	if strings.Join(header, ",") != "level1,level2,level3" {
		return nil, fmt.Errorf("taxonomy header is %q, want level1,level2,level3", strings.Join(header, ","))
	}
	t := &Taxonomy{byCode: make(map[string]Category)}
	index := map[string]string{} // parent code + "\x00" + name -> code
	children := map[string]int{}
	add := func(parent, name string, level int) (string, error) {
		key := parent + "\x00" + name
		if code, ok := index[key]; ok {
			return code, nil
		}
		children[parent]++
		if children[parent] > 99 {
			return "", fmt.Errorf("more than 99 categories under %q", parent)
		}
		code := fmt.Sprintf("%s%02d", parent, children[parent])
		path := name
		if parent != "" {
			path = t.byCode[parent].Path + " / " + name
		}
		index[key] = code
		t.byCode[code] = Category{Code: code, Name: name, Level: level, Parent: parent, Path: path}
		return code, nil
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading taxonomy: %w", err)
		}
		parent := ""
		for level, name := range rec {
			name = strings.TrimSpace(name)
			if name == "" {
				break
			}
			if parent, err = add(parent, name, level+1); err != nil {
				return nil, fmt.Errorf("taxonomy line %d: %w", line, err)
			}
		}
	}
	for code := range t.byCode {
		t.codes = append(t.codes, code)
	}
	sort.Strings(t.codes)
	return t, nil
}

// Get returns the category with the given code.
func (t *Taxonomy) Get(code string) (Category, error) {
	c, ok := t.byCode[code]
	if !ok {
		return Category{}, fmt.Errorf("%w: %q", ErrUnknown, code)
	}
	return c, nil
}

// Valid reports whether code is in the taxonomy.
func (t *Taxonomy) Valid(code string) bool {
	_, ok := t.byCode[code]
	return ok
}

// All returns every category in code order.
func (t *Taxonomy) All() []Category {
	out := make([]Category, len(t.codes))
	for i, c := range t.codes {
		out[i] = t.byCode[c]
	}
	return out
}

// ByName returns the first category (in code order) at the given level whose
// name equals name.
func (t *Taxonomy) ByName(level int, name string) (Category, bool) {
	for _, c := range t.codes {
		if cat := t.byCode[c]; cat.Level == level && cat.Name == name {
			return cat, true
		}
	}
	return Category{}, false
}

// Children returns the direct children of code ("" for level 1), in code order.
func (t *Taxonomy) Children(code string) []Category {
	var out []Category
	for _, c := range t.codes {
		if cat := t.byCode[c]; cat.Parent == code {
			out = append(out, cat)
		}
	}
	return out
}
