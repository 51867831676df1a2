package open311

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDefaultExtrasValid(t *testing.T) {
	_, tax := shared(t)
	c, err := NewCatalog(tax, DefaultExtras())
	if err != nil {
		t.Fatal(err)
	}
	withAttrs := 0
	for _, s := range c.Services() {
		if s.Metadata != (len(s.Attributes()) > 0) {
			t.Errorf("service %s: metadata %v with %d attributes", s.Code, s.Metadata, len(s.Attributes()))
		}
		if s.Metadata {
			withAttrs++
		}
		if s.Notice() == "" {
			t.Errorf("service %s has no notice", s.Code)
		}
	}
	if withAttrs != 6 {
		t.Errorf("%d services with attributes, want the 6 of data/services.yaml", withAttrs)
	}
	gas, _ := c.Service(codeOf(t, "城乡建设 / 城市建设和市政管理 / 燃气供应"))
	if !strings.Contains(gas.Notice(), "燃气抢修") {
		t.Errorf("gas service notice %q is not its own", gas.Notice())
	}
}

func TestExtrasRefused(t *testing.T) {
	_, tax := shared(t)
	head := "notice: 已受理\nservices:\n  - path: " + pathSanitation + "\n"
	tests := []struct{ name, doc, want string }{
		{"no notice", "services: []\n", "notice"},
		{"unknown field", "notice: x\nsurprise: 1\n", "surprise"},
		{"unknown path", "notice: x\nservices:\n  - path: 城乡建设 / 没有\n", "not a level-3 category"},
		{"level-2 path", "notice: x\nservices:\n  - path: 城乡建设 / 安全生产\n", "not a level-3 category"},
		{"service twice", head + "  - path: " + pathSanitation + "\n", "appears twice"},
		{"bad datatype", head + "    attributes:\n      - {code: a, datatype: boolean, description: d}\n", "datatype"},
		{"bad code", head + "    attributes:\n      - {code: 1a, datatype: string, description: d}\n", "code must be"},
		{"code twice", head + "    attributes:\n      - {code: a, datatype: string, description: d}\n      - {code: a, datatype: text, description: d}\n", "code appears twice"},
		{"no description", head + "    attributes:\n      - {code: a, datatype: string}\n", "description is required"},
		{"list without values", head + "    attributes:\n      - {code: a, datatype: singlevaluelist, description: d}\n", "needs values"},
		{"values on a string", head + "    attributes:\n      - {code: a, datatype: string, description: d, values: [{key: k, name: n}]}\n", "only list datatypes"},
		{"duplicate key", head + "    attributes:\n      - {code: a, datatype: multivaluelist, description: d, values: [{key: k, name: n}, {key: k, name: m}]}\n", "keys unique"},
		{"informational required", head + "    attributes:\n      - {code: a, datatype: text, description: d, variable: false, required: true}\n", "cannot be required"},
		{"order twice", head + "    attributes:\n      - {code: a, datatype: text, description: d, order: 2}\n      - {code: b, datatype: text, description: d}\n", "order 2"},
		{"keyword with comma", head + "    keywords: [\"a,b\"]\n", "keyword"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCatalog(tax, []byte(tt.doc))
			if !errors.Is(err, ErrInvalidExtras) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an ErrInvalidExtras mentioning %q", err, tt.want)
			}
		})
	}
}

func TestParseW3C(t *testing.T) {
	tests := []struct {
		in         string
		start, end time.Time
	}{
		{"2026-03-02T09:30:00+08:00", t0, t0.Add(time.Microsecond)},
		{"2026-03-02T01:30:00Z", t0, t0.Add(time.Microsecond)},
		{"2026-03-02T09:30:00 08:00", t0, t0.Add(time.Microsecond)},
		{"2026-03-02T09:30+08:00", t0, t0.Add(time.Minute)},
		{"2026-03-02", time.Date(2026, 3, 2, 0, 0, 0, 0, wuhan), time.Date(2026, 3, 3, 0, 0, 0, 0, wuhan)},
		{"2026-03", time.Date(2026, 3, 1, 0, 0, 0, 0, wuhan), time.Date(2026, 4, 1, 0, 0, 0, 0, wuhan)},
		{"2026", time.Date(2026, 1, 1, 0, 0, 0, 0, wuhan), time.Date(2027, 1, 1, 0, 0, 0, 0, wuhan)},
	}
	for _, tt := range tests {
		s, e, err := parseW3C(tt.in)
		if err != nil || !s.Equal(tt.start) || !e.Equal(tt.end) {
			t.Errorf("parseW3C(%q) = %v, %v, %v; want %v, %v", tt.in, s, e, err, tt.start, tt.end)
		}
	}
	for _, bad := range []string{"", "yesterday", "2026-3-2", "2026-03-02T09:30:00", "02/03/2026", "2026-02-30"} {
		if _, _, err := parseW3C(bad); err == nil {
			t.Errorf("parseW3C(%q) accepted", bad)
		}
	}
	if got := formatTime(time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)); got != "2026-03-02T09:30:00+08:00" {
		t.Errorf("formatTime = %s", got)
	}
}

func TestMaskContacts(t *testing.T) {
	tests := []struct{ in, want string }{
		{"电话13812345678请回电", "电话138****5678请回电"},
		{"邮箱 wang.xm@example.com 谢谢", "邮箱 w***@example.com 谢谢"},
		{"座机 027-85551234 不变", "座机 027-85551234 不变"},
		{"无联系方式", "无联系方式"},
	}
	for _, tt := range tests {
		if got := maskContacts(tt.in); got != tt.want {
			t.Errorf("maskContacts(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPersonName(t *testing.T) {
	tests := []struct{ first, last, want string }{
		{"小明", "王", "王小明"}, {"Ming", "Wang", "Ming Wang"}, {"", "王", "王"}, {"Ming", "", "Ming"}, {"", "", ""},
	}
	for _, tt := range tests {
		if got := personName(tt.first, tt.last); got != tt.want {
			t.Errorf("personName(%q, %q) = %q, want %q", tt.first, tt.last, got, tt.want)
		}
	}
}
