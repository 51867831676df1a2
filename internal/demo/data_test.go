package demo

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const header = "id,set,title,created_at,body,reply,replied_at,level1,support,against\n"

func TestParseMessages(t *testing.T) {
	tests := []struct {
		name string
		rows string
		want []Message // nil with ok=false means an error is expected
		ok   bool
	}{
		{"empty file", "", nil, true},
		{"answered", "1,replies,路灯不亮,2019-04-25 09:32:09,正文,已修复,2019-05-01 10:00:00,,,\n", []Message{{
			ID: "1", Set: SetReplies, Title: "路灯不亮", Body: "正文", Reply: "已修复",
			CreatedAt: time.Date(2019, 4, 25, 9, 32, 9, 0, cst), RepliedAt: time.Date(2019, 5, 1, 10, 0, 0, 0, cst)}}, true},
		{"labelled", "2,labeled,标题,2019-01-02 03:04:05,\"多行\n正文，含逗号\",,,教育文体,,\n", []Message{{
			ID: "2", Set: SetLabeled, Title: "标题", Body: "多行\n正文，含逗号", Level1: "教育文体",
			CreatedAt: time.Date(2019, 1, 2, 3, 4, 5, 0, cst)}}, true},
		{"votes", "3,support,标题,2019-01-02 03:04:05,b,,,,12,1\n", []Message{{
			ID: "3", Set: SetSupport, Title: "标题", Body: "b", Support: 12, Against: 1,
			CreatedAt: time.Date(2019, 1, 2, 3, 4, 5, 0, cst)}}, true},
		{"unknown set", "4,other,t,2019-01-02 03:04:05,b,,,,,\n", nil, false},
		{"no title", "5,support, ,2019-01-02 03:04:05,b,,,,,\n", nil, false},
		{"bad time", "6,support,t,2019-13-02 03:04:05,b,,,,,\n", nil, false},
		{"reply without time", "7,replies,t,2019-01-02 03:04:05,b,r,,,,\n", nil, false},
		{"reply in wrong set", "8,support,t,2019-01-02 03:04:05,b,r,2019-01-03 03:04:05,,,\n", nil, false},
		{"replied before asked", "9,replies,t,2019-01-02 03:04:05,b,r,2019-01-01 03:04:05,,,\n", nil, false},
		{"label missing", "10,labeled,t,2019-01-02 03:04:05,b,,,,,\n", nil, false},
		{"negative votes", "11,support,t,2019-01-02 03:04:05,b,,,,-1,0\n", nil, false},
		{"duplicate id", "12,support,t,2019-01-02 03:04:05,b,,,,,\n12,support,t,2019-01-02 03:04:05,b,,,,,\n", nil, false},
		{"short row", "13,support,t\n", nil, false},
		{"invalid utf8", "14,support,t\xff,2019-01-02 03:04:05,b,,,,,\n", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMessages(strings.NewReader(header + tt.rows))
			if !tt.ok {
				if !errors.Is(err, ErrBadData) {
					t.Fatalf("err = %v, want ErrBadData", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d messages, want %d", len(got), len(tt.want))
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if !g.CreatedAt.Equal(w.CreatedAt) || !g.RepliedAt.Equal(w.RepliedAt) {
					t.Errorf("times = %v %v, want %v %v", g.CreatedAt, g.RepliedAt, w.CreatedAt, w.RepliedAt)
				}
				g.CreatedAt, g.RepliedAt, w.CreatedAt, w.RepliedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
				if g != w {
					t.Errorf("got %+v, want %+v", g, w)
				}
			}
		})
	}
	if _, err := ParseMessages(strings.NewReader("id,title\n")); !errors.Is(err, ErrBadData) {
		t.Errorf("wrong header: err = %v, want ErrBadData", err)
	}
}

func TestEmbeddedMessages(t *testing.T) {
	msgs, err := Messages()
	if err != nil {
		t.Fatal(err)
	}
	sets := map[Set]int{}
	for _, m := range msgs {
		sets[m.Set]++
		if n := len([]rune(m.Body)); n > 1501 {
			t.Fatalf("message %s body has %d characters, more than the 1,500 (+…) kept", m.ID, n)
		}
	}
	want := map[Set]int{SetReplies: 2816, SetLabeled: 299, SetSupport: 1500}
	for s, n := range want {
		if sets[s] != n {
			t.Errorf("set %s has %d messages, want %d", s, sets[s], n)
		}
	}
}

func FuzzParseMessages(f *testing.F) {
	f.Add(header + "1,replies,路灯不亮,2019-04-25 09:32:09,正文,已修复,2019-05-01 10:00:00,,,\n")
	f.Add(header + "3,support,标题,2019-01-02 03:04:05,\"b\"\"c\",,,,12,1\n")
	f.Add(header + "2,labeled,t,2019-01-02 03:04:05,b,,,教育文体,,\n")
	f.Add("id,set\n1,2\n")
	f.Fuzz(func(t *testing.T, in string) {
		msgs, err := ParseMessages(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrBadData) {
				t.Fatalf("error does not wrap ErrBadData: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, m := range msgs {
			if m.ID == "" || m.Title == "" || seen[m.ID] || m.CreatedAt.IsZero() {
				t.Fatalf("accepted a bad message %+v", m)
			}
			seen[m.ID] = true
			if (m.Reply != "") != !m.RepliedAt.IsZero() || m.RepliedAt.Before(m.CreatedAt) && !m.RepliedAt.IsZero() {
				t.Fatalf("inconsistent reply %+v", m)
			}
		}
	})
}
