package hot

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

var day0 = time.Date(2019, 8, 1, 9, 0, 0, 0, cst)

func msg(id, user, title, body string, day int, support int) Message {
	return Message{ID: id, Reporter: user, Title: title, Body: body, Time: day0.AddDate(0, 0, day), Support: support}
}

func TestCluster(t *testing.T) {
	msgs := []Message{
		msg("1", "u1", "A5区魅力之城小区临街门面油烟直排扰民", "魅力之城小区一楼门面餐馆油烟直排，噪音扰民严重", 0, 3),
		msg("2", "u2", "魅力之城小区油烟扰民问题", "A5区魅力之城小区临街餐馆油烟直排，住户苦不堪言", 2, 10),
		msg("3", "u3", "A5区魅力之城餐馆油烟直排", "魅力之城小区门面油烟扰民，希望整治", 5, 0),
		msg("4", "u4", "A7县星沙学校补课乱收费", "星沙学校老师组织补课乱收费，家长负担重", 3, 1),
		msg("5", "u5", "A7县星沙学校违规补课收费", "星沙学校老师违规补课乱收费", 4, 0),
		msg("6", "u6", "A2区地铁站出口太少", "地铁站出口设置不合理", 1, 0),
		msg("7", "u1", "A9区魅力之城小区油烟扰民", "A9区魅力之城小区门面油烟直排", 1, 0),
		msg("8", "u8", "空", "", 1, 0),
		msg("9", "u9", "。。。", "\xff\xfe", 1, 0),
		msg("future", "u1", "A5区魅力之城小区临街门面油烟直排扰民", "", 400, 0),
	}
	// With a small batch every term is rare: lower the common-term floor by
	// asking for fewer shared terms.
	issues := Cluster(msgs, day0.AddDate(0, 0, 6), Options{MinShared: 3})
	if len(issues) < 2 {
		t.Fatalf("issues = %+v", issues)
	}
	top := issues[0]
	if fmt.Sprint(top.Members) != "[1 2 3]" || top.Area != "A5区" || top.Reporters != 3 || top.Votes != 13 {
		t.Errorf("top issue = %+v", top)
	}
	if !strings.Contains(top.Name, "魅力之城") && !strings.Contains(top.Name, "油烟") {
		t.Errorf("top issue named %q", top.Name)
	}
	if fmt.Sprint(issues[1].Members) != "[4 5]" {
		t.Errorf("second issue = %+v", issues[1])
	}
	if issues[0].Heat < issues[1].Heat {
		t.Errorf("not ordered by heat")
	}
	if got := Cluster(nil, day0, Options{}); len(got) != 0 {
		t.Errorf("Cluster(nil) = %v", got)
	}
}

func TestHeat(t *testing.T) {
	tests := []struct {
		name string
		a, b float64
	}{
		{"more reporters", Heat(5, 0, 0, 0), Heat(2, 0, 0, 0)},
		{"more votes", Heat(2, 100, 0, 0), Heat(2, 0, 0, 0)},
		{"growing", Heat(2, 0, 2, 0), Heat(2, 0, 0, 0)},
		{"recent", Heat(2, 0, 0, time.Hour), Heat(2, 0, 0, 60*24*time.Hour)},
	}
	for _, tt := range tests {
		if tt.a <= tt.b {
			t.Errorf("%s: %v <= %v", tt.name, tt.a, tt.b)
		}
	}
}

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name, in string
		n        int
		ok       bool
	}{
		{"support shape", "id,user,title,created_at,body,against,support\n1,u,标题,2019-08-01 09:00:00,正文,0,5\n", 1, true},
		{"minimal", "id,title,created_at,body\n1,标题,2019-08-01 09:00:00,正文\n", 1, true},
		{"bad time", "id,title,created_at,body\n1,标题,yesterday,正文\n", 0, false},
		{"negative count", "id,title,created_at,body,support\n1,标题,2019-08-01 09:00:00,正文,-1\n", 0, false},
		{"missing column", "id,title,body\n1,标题,正文\n", 0, false},
		{"empty id", "id,title,created_at,body\n,标题,2019-08-01 09:00:00,正文\n", 0, false},
		{"empty", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadCSV(strings.NewReader(tt.in))
			if (err == nil) != tt.ok || len(got) != tt.n {
				t.Fatalf("ReadCSV = %d, %v", len(got), err)
			}
			if err != nil && !errors.Is(err, ErrBadCSV) {
				t.Fatalf("%v does not wrap ErrBadCSV", err)
			}
		})
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("id,user,title,created_at,body,against,support\n1,u,标题,2019-08-01 09:00:00,正文,0,5\n")
	f.Fuzz(func(t *testing.T, in string) {
		msgs, err := ReadCSV(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrBadCSV) {
				t.Fatalf("%v does not wrap ErrBadCSV", err)
			}
			return
		}
		Cluster(msgs, day0.AddDate(100, 0, 0), Options{})
	})
}

// realSupport reads the real messages_with_support.csv from ../shared
// beside the repository and returns it with its newest message's time; it
// skips t when the reference data is not there.
func realSupport(t *testing.T) ([]Message, time.Time) {
	t.Helper()
	f, err := os.Open("../../../../shared/data/tipdm2020c/messages_with_support.csv")
	if err != nil {
		t.Skipf("reference data not available: %v", err)
	}
	defer f.Close()
	msgs, err := ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	var now time.Time
	for _, m := range msgs {
		if m.Time.After(now) {
			now = m.Time
		}
	}
	return msgs, now
}

// TestTopIssuesReal prints the five hottest issues of the real
// messages_with_support.csv with their members (skipped without the data).
func TestTopIssuesReal(t *testing.T) {
	msgs, now := realSupport(t)
	byID := map[string]Message{}
	for _, m := range msgs {
		byID[m.ID] = m
	}
	issues := Cluster(msgs, now.Add(time.Second), Options{})
	if len(issues) < 5 {
		t.Fatalf("%d issues", len(issues))
	}
	for i, is := range issues[:5] {
		t.Logf("#%d heat %.2f  %s  (%d messages, %d reporters, %d votes, %s … %s)", i+1, is.Heat, is.Name, len(is.Members), is.Reporters, is.Votes,
			is.First.Format("2006-01-02"), is.Last.Format("2006-01-02"))
		for _, id := range is.Members[:min(6, len(is.Members))] {
			t.Logf("     %s  %s", id, byID[id].Title)
		}
		if is.Reporters < 2 {
			t.Errorf("issue %q has %d reporters", is.Name, is.Reporters)
		}
	}
}

func TestAddTerm(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"油烟扰", "烟扰民"}, "[油烟扰民]"},
		{[]string{"搅拌站", "拌站噪", "站噪音"}, "[搅拌站噪音]"},
		{[]string{"魅力之城", "之城"}, "[魅力之城]"},
		{[]string{"车位", "销售"}, "[车位 销售]"},
		{[]string{"魅力", "力之", "之城"}, "[魅力之城]"},
		{[]string{"丽发新", "发新城", "区丽发"}, "[区丽发新城]"},
	}
	for _, tt := range tests {
		var out []string
		for _, s := range tt.in {
			out = addTerm(out, s)
		}
		if fmt.Sprint(out) != tt.want {
			t.Errorf("addTerm(%v) = %v, want %s", tt.in, out, tt.want)
		}
	}
}

// TestClusterBadInput: huge, empty, English, emoji and invalid text never
// crash clustering; two copies of a 100,000-character message still link.
func TestClusterBadInput(t *testing.T) {
	huge := strings.Repeat("魅力之城小区油烟扰民噪音", 100_000/12)
	msgs := []Message{
		msg("h1", "u1", huge, huge, 0, 0),
		msg("h2", "u2", huge, huge, 1, 0),
		msg("e", "u3", "", "", 1, 0),
		msg("en", "u4", "Noise from the restaurant", "hello world", 1, 0),
		msg("emoji", "u5", "😀😀😀", "🚧🚧", 1, 0),
		msg("bad", "u6", "\xff\xfe\xfd", "a\xffb", 1, 0),
	}
	issues := Cluster(msgs, day0.AddDate(0, 0, 2), Options{MinShared: 2})
	if len(issues) != 1 || fmt.Sprint(issues[0].Members) != "[h1 h2]" {
		t.Fatalf("issues = %+v", issues)
	}
}

func FuzzCluster(f *testing.F) {
	f.Add("A5区魅力之城小区油烟扰民", "魅力之城小区油烟扰民")
	f.Add("\xff", "😀")
	f.Fuzz(func(t *testing.T, a, b string) {
		msgs := []Message{msg("1", "u1", a, b, 0, 0), msg("2", "u2", b, a, 1, 0), msg("3", "u3", a, a, 2, 0)}
		for _, is := range Cluster(msgs, day0.AddDate(0, 0, 3), Options{MinShared: 1}) {
			if len(is.Members) < 2 || len(is.Members) > 3 || is.Name == "" && is.Area != "" {
				t.Fatalf("issue %+v", is)
			}
		}
	})
}

func TestNameOf(t *testing.T) {
	for _, tc := range []struct {
		terms []string
		want  string
	}{
		{[]string{"小区旁边", "的搅拌站", "新城小"}, "小区旁边/搅拌站/新城小"},
		{[]string{"的", "油烟扰民", "油烟扰民了", "噪音", "夜间"}, "油烟扰民/噪音/夜间"},
		{[]string{"了的"}, ""},
		{nil, ""},
	} {
		if got := strings.Join(nameOf(tc.terms), "/"); got != tc.want {
			t.Errorf("nameOf(%q) = %q, want %q", tc.terms, got, tc.want)
		}
	}
}
