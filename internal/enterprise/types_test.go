package enterprise

import (
	"strings"
	"testing"

	"yiwang/internal/category"
)

func TestNewCategories(t *testing.T) {
	tax, err := category.Default()
	if err != nil {
		t.Fatal(err)
	}
	cats, err := NewCategories(tax)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]RequestType{}
	for _, rt := range RequestTypes {
		code := cats[rt]
		c, err := tax.Get(code)
		if err != nil || c.Level != 3 {
			t.Errorf("%s → %q: %v (level %d), want a level-3 category", rt, code, err, c.Level)
		}
		if other, dup := seen[code]; dup {
			t.Errorf("%s and %s share category %s", rt, other, code)
		}
		seen[code] = rt
		if rt.Label() == "" || !rt.Valid() {
			t.Errorf("%s has no label or is not valid", rt)
		}
	}
	if RequestType("loans").Valid() {
		t.Error("unknown type reported valid")
	}
	small, err := category.Parse(stringsReader("level1,level2,level3\n经济管理,其他,其他\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewCategories(small); err == nil {
		t.Error("a taxonomy without the mapped paths was accepted")
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
