package lineproto

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		meas     string
		tags     map[string]string
		field    string
		typ      FieldType
		num      float64
		str      string
		ts       int64
		hasTime  bool
	}{
		{name: "simple", in: "water_level,sensor=WL1,unit=m value=3.25 1700000000000000000", meas: "water_level",
			tags: map[string]string{"sensor": "WL1", "unit": "m"}, field: "value", typ: Float, num: 3.25, ts: 1700000000000000000, hasTime: true},
		{name: "no tags no time", in: "m v=1", meas: "m", field: "v", typ: Float, num: 1},
		{name: "int", in: "m v=-42i 5", meas: "m", field: "v", typ: Int, num: -42, ts: 5, hasTime: true},
		{name: "uint", in: "m v=42u", meas: "m", field: "v", typ: Uint, num: 42},
		{name: "bool", in: "pump,sensor=P1 on=true", meas: "pump", tags: map[string]string{"sensor": "P1"}, field: "on", typ: Bool, num: 1},
		{name: "bool F", in: "pump on=F", meas: "pump", field: "on", typ: Bool, num: 0},
		{name: "string", in: `m s="a \"quoted\" \\ value, with=stuff"`, meas: "m", field: "s", typ: String, str: `a "quoted" \ value, with=stuff`},
		{name: "escapes", in: `my\ meas\,x,ta\=g=v\ al\,ue f\ k=1e3 -7`, meas: "my meas,x", tags: map[string]string{"ta=g": "v al,ue"},
			field: "f k", typ: Float, num: 1000, ts: -7, hasTime: true},
		{name: "literal backslash", in: `m\x,t=a\b v=1`, meas: `m\x`, tags: map[string]string{"t": `a\b`}, field: "v", typ: Float, num: 1},
		{name: "crlf and spaces", in: "  m v=.5   10  \r", meas: "m", field: "v", typ: Float, num: 0.5, ts: 10, hasTime: true},
		{name: "chinese", in: "水位,站=汉口 值=28.1", meas: "水位", tags: map[string]string{"站": "汉口"}, field: "值", typ: Float, num: 28.1},
	}
	var ps Parser
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ps.Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(p.Measurement) != tc.meas {
				t.Errorf("measurement %q, want %q", p.Measurement, tc.meas)
			}
			if len(p.Tags) != len(tc.tags) {
				t.Errorf("tags %d, want %d", len(p.Tags), len(tc.tags))
			}
			for k, v := range tc.tags {
				if got, ok := p.Tag(k); !ok || string(got) != v {
					t.Errorf("tag %q = %q, want %q", k, got, v)
				}
			}
			f, ok := p.Field(tc.field)
			if !ok || f.Type != tc.typ {
				t.Fatalf("field %q: %+v", tc.field, p.Fields)
			}
			if tc.typ == String {
				if string(f.Str) != tc.str {
					t.Errorf("string %q, want %q", f.Str, tc.str)
				}
			} else if n, _ := f.Number(); n != tc.num {
				t.Errorf("value %v, want %v", n, tc.num)
			}
			if p.Time != tc.ts || p.HasTime != tc.hasTime {
				t.Errorf("time %d/%v, want %d/%v", p.Time, p.HasTime, tc.ts, tc.hasTime)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "missing measurement"},
		{",t=1 v=1", "missing measurement"},
		{"m", "missing fields"},
		{"m,t v=1", "tag key without '='"},
		{"m,t= v=1", "empty tag value"},
		{"m,=x v=1", "empty tag key"},
		{"m,t=a=b v=1", "unescaped '='"},
		{"m v", "field key without '='"},
		{"m v=", "missing field value"},
		{"m v=NaN", "NaN and Inf are not allowed"},
		{"m v=nan", "NaN and Inf are not allowed"},
		{"m v=Inf", "NaN and Inf are not allowed"},
		{"m v=-inf", "NaN and Inf are not allowed"},
		{"m v=1e999", "out of range"},
		{"m v=0x1p3", "bad field value"},
		{"m v=1_000", "bad field value"},
		{"m v=1.2.3", "bad field value"},
		{"m v=99999999999999999999i", "bad integer"},
		{"m v=-1u", "bad unsigned"},
		{`m v="abc`, "unterminated string"},
		{"m v=1,v=2", "duplicate field key"},
		{"m v=1 12x", "timestamp is not an integer"},
		{"m v=1 99999999999999999999", "timestamp is not an integer"},
		{"m v=1 1 2", "unexpected text after timestamp"},
		{`m v="a"b`, "unexpected character"},
		{"m " + strings.Repeat("x", MaxLine), "longer than"},
	}
	var ps Parser
	for _, tc := range tests {
		_, err := ps.Parse([]byte(tc.in))
		if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%.40q) = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestAppendRoundTrip(t *testing.T) {
	p := Point{Measurement: []byte(`a b,c\`), Tags: []Tag{{[]byte("k=,"), []byte(`v\`)}},
		Fields: []Field{{Key: []byte("f"), Type: Float, Float: math.Pi}, {Key: []byte("s"), Type: String, Str: []byte(`x"\`)},
			{Key: []byte("i"), Type: Int, Int: math.MinInt64}, {Key: []byte("u"), Type: Uint, Uint: math.MaxUint64}, {Key: []byte("b"), Type: Bool, Bool: true}},
		Time: 1, HasTime: true}
	line := Append(nil, &p)
	var ps Parser
	q, err := ps.Parse(line)
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	if !samePoint(&p, q) {
		t.Fatalf("round trip of %s: %+v", line, q)
	}
}

func samePoint(a, b *Point) bool {
	if !bytes.Equal(a.Measurement, b.Measurement) || len(a.Tags) != len(b.Tags) || len(a.Fields) != len(b.Fields) || a.Time != b.Time || a.HasTime != b.HasTime {
		return false
	}
	for i := range a.Tags {
		if !bytes.Equal(a.Tags[i].Key, b.Tags[i].Key) || !bytes.Equal(a.Tags[i].Value, b.Tags[i].Value) {
			return false
		}
	}
	for i := range a.Fields {
		x, y := a.Fields[i], b.Fields[i]
		if !bytes.Equal(x.Key, y.Key) || x.Type != y.Type || x.Int != y.Int || x.Uint != y.Uint || x.Bool != y.Bool || !bytes.Equal(x.Str, y.Str) ||
			math.Float64bits(x.Float) != math.Float64bits(y.Float) {
			return false
		}
	}
	return true
}

func TestParseAllocs(t *testing.T) {
	var ps Parser
	line := []byte(`water_level,sensor=WL000123,unit=m value=3.25 1700000000000000000`)
	ps.Parse(line)
	if n := testing.AllocsPerRun(100, func() { ps.Parse(line) }); n != 0 {
		t.Fatalf("%v allocations per line, want 0", n)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"m,t=a v=1 2", `m\ x,t\=1=a\,b s="q\"",i=3i,u=4u,b=t -5`, "m v=1e3", "m v=\"\\\\\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var ps Parser
		p, err := ps.Parse(in)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error not wrapping ErrSyntax: %v", err)
			}
			return
		}
		for _, f := range p.Fields {
			if f.Type == Float && (math.IsNaN(f.Float) || math.IsInf(f.Float, 0)) {
				t.Fatalf("non-finite float accepted from %q", in)
			}
		}
		if bytes.ContainsAny(in, "\n") {
			return
		}
		line := Append(nil, p)
		var ps2 Parser
		q, err := ps2.Parse(line)
		if err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", line, in, err)
		}
		if !samePoint(p, q) {
			t.Fatalf("round trip differs: %q -> %q", in, line)
		}
	})
}

// BenchmarkParse compares the parser with a naive baseline (strings.Split
// and strconv, no escaping) on the same line, reporting naive/parser.
func BenchmarkParse(b *testing.B) {
	line := []byte(`water_level,sensor=WL000123,unit=m value=3.25 1700000000000000000`)
	var ps Parser
	b.SetBytes(int64(len(line)))
	var n int
	start := time.Now()
	for b.Loop() {
		if _, err := ps.Parse(line); err != nil {
			b.Fatal(err)
		}
		n++
	}
	ours := time.Since(start)
	start = time.Now()
	for range n {
		parts := strings.Split(string(line), " ")
		_ = strings.Split(parts[0], ",")
		kv := strings.SplitN(parts[1], "=", 2)
		if _, err := strconv.ParseFloat(kv[1], 64); err != nil {
			b.Fatal(err)
		}
		if _, err := strconv.ParseInt(parts[2], 10, 64); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start))/float64(ours), "naive/parser")
}

// FuzzFastFloat checks the plain-decimal fast path against
// strconv.ParseFloat bit for bit (and that it declines what it cannot
// do exactly).
func FuzzFastFloat(f *testing.F) {
	for _, s := range []string{"0", "-0", "+1.5", "3.25", ".5", "5.", "9007199254740993", "0.1234567890123456789012",
		"1.7976931348623157", "-12.000", "1e3", "", ".", "-", "1.2.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		x, ok := fastFloat([]byte(s))
		if !ok {
			return
		}
		if !floatSyntax([]byte(s)) {
			t.Fatalf("fast path accepted %q, which is not float syntax", s)
		}
		want, err := strconv.ParseFloat(s, 64)
		if err != nil || math.Float64bits(x) != math.Float64bits(want) {
			t.Fatalf("%q: fast %v (%x), ParseFloat %v (%x) %v", s, x, math.Float64bits(x), want, math.Float64bits(want), err)
		}
	})
}
