package category

import (
	"errors"
	"strings"
	"testing"
)

func TestDefaultTaxonomy(t *testing.T) {
	tx, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(tx.Children("")); got != 15 {
		t.Fatalf("level-1 classes = %d, want 15", got)
	}
	tests := []struct {
		code, name string
		level      int
	}{
		{"01", "城乡建设", 1},
		{"0101", "安全生产", 2},
		{"010101", "事故处理", 3},
		{"010102", "安全生产管理", 3},
		{"15", "劳动和社会保障", 1},
	}
	for _, tt := range tests {
		c, err := tx.Get(tt.code)
		if err != nil {
			t.Fatalf("Get(%q): %v", tt.code, err)
		}
		if c.Name != tt.name || c.Level != tt.level {
			t.Errorf("Get(%q) = %+v, want name %s level %d", tt.code, c, tt.name, tt.level)
		}
	}
	if _, err := tx.Get("99"); !errors.Is(err, ErrUnknown) {
		t.Errorf("Get(99) error = %v, want ErrUnknown", err)
	}
	if c, ok := tx.ByName(1, "环境保护"); !ok || c.Code != "04" {
		t.Errorf("ByName(环境保护) = %+v %v, want code 04", c, ok)
	}
	// every level-3 node's parent chain exists
	for _, c := range tx.All() {
		if c.Parent != "" && !tx.Valid(c.Parent) {
			t.Errorf("%s has unknown parent %s", c.Code, c.Parent)
		}
		if !strings.HasPrefix(c.Code, c.Parent) || len(c.Code) != 2*c.Level {
			t.Errorf("%s: bad code for level %d parent %s", c.Code, c.Level, c.Parent)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"", "a,b,c\n", "level1,level2,level3\nx,y\n"} {
		if _, err := Parse(strings.NewReader(in)); err == nil {
			t.Errorf("Parse(%q) succeeded", in)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("level1,level2,level3\n城乡建设,安全生产,事故处理\n")
	f.Add("level1,level2,level3\na,,\n")
	f.Fuzz(func(t *testing.T, in string) {
		tx, err := Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, c := range tx.All() {
			if !tx.Valid(c.Code) {
				t.Fatalf("listed code %s not valid", c.Code)
			}
		}
	})
}
