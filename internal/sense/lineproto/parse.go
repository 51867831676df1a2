package lineproto

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unsafe"
)

// ErrSyntax is wrapped by every parse error.
var ErrSyntax = errors.New("line protocol syntax error")

// FieldType is the type of a field value.
type FieldType uint8

// The field types.
const (
	Float FieldType = iota
	Int
	Uint
	Bool
	String
)

func (t FieldType) String() string {
	return [...]string{"float", "integer", "unsigned", "boolean", "string"}[t]
}

// Tag is one tag; Key and Value are unescaped.
type Tag struct{ Key, Value []byte }

// Field is one field; Key and Str are unescaped.
type Field struct {
	Key   []byte
	Type  FieldType
	Float float64
	Int   int64
	Uint  uint64
	Bool  bool
	Str   []byte
}

// Number returns the field as a float64: booleans are 0 or 1; ok is false
// for strings.
func (f *Field) Number() (v float64, ok bool) {
	switch f.Type {
	case Float:
		return f.Float, true
	case Int:
		return float64(f.Int), true
	case Uint:
		return float64(f.Uint), true
	case Bool:
		if f.Bool {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// Point is one parsed line.
type Point struct {
	Measurement []byte
	Tags        []Tag
	Fields      []Field
	// Time is in nanoseconds since the epoch; HasTime is false when the
	// line carried no timestamp.
	Time    int64
	HasTime bool
}

// Tag returns the value of the tag with the key.
func (p *Point) Tag(key string) ([]byte, bool) {
	for i := range p.Tags {
		if string(p.Tags[i].Key) == key {
			return p.Tags[i].Value, true
		}
	}
	return nil, false
}

// Field returns the field with the key.
func (p *Point) Field(key string) (*Field, bool) {
	for i := range p.Fields {
		if string(p.Fields[i].Key) == key {
			return &p.Fields[i], true
		}
	}
	return nil, false
}

// Parser parses lines, reusing its buffers. The zero value is ready.
type Parser struct {
	p       Point
	scratch []byte
}

// MaxLine bounds the length of one line.
const MaxLine = 64 << 10

// Next returns the next line of buf (without its newline) and the rest.
// It does not judge the line.
func Next(buf []byte) (line, rest []byte) {
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		return buf[:i], buf[i+1:]
	}
	return buf, nil
}

// Blank reports whether a line is empty, only whitespace, or a comment.
func Blank(line []byte) bool {
	for _, c := range line {
		switch c {
		case ' ', '\t', '\r':
			continue
		case '#':
			return true
		}
		return false
	}
	return true
}

// Parse parses one line (without its newline; a trailing \r is allowed).
// The result aliases line and the parser until the next call.
func (ps *Parser) Parse(line []byte) (*Point, error) {
	if len(line) > MaxLine {
		return nil, fmt.Errorf("%w: line is %d bytes, longer than %d", ErrSyntax, len(line), MaxLine)
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	for len(line) > 0 && line[0] == ' ' {
		line = line[1:]
	}
	p := &ps.p
	p.Tags, p.Fields, p.Time, p.HasTime = p.Tags[:0], p.Fields[:0], 0, false
	ps.scratch = ps.scratch[:0]

	// Measurement: up to an unescaped ',' or ' '.
	i, esc := scanKey(line, 0, false)
	if i == 0 {
		return nil, synErr(line, 0, "missing measurement")
	}
	p.Measurement = ps.unescape(line[:i], esc, false)
	// Tags.
	for i < len(line) && line[i] == ',' {
		i++
		j, esc := scanKey(line, i, true)
		if j == i {
			return nil, synErr(line, i, "empty tag key")
		}
		if j >= len(line) || line[j] != '=' {
			return nil, synErr(line, j, "tag key without '='")
		}
		key := ps.unescape(line[i:j], esc, true)
		k, esc := scanKey(line, j+1, true)
		if k == j+1 {
			return nil, synErr(line, k, "empty tag value")
		}
		if k < len(line) && line[k] == '=' {
			return nil, synErr(line, k, "unescaped '=' in tag value")
		}
		p.Tags = append(p.Tags, Tag{Key: key, Value: ps.unescape(line[j+1:k], esc, true)})
		i = k
	}
	if i >= len(line) || line[i] != ' ' {
		return nil, synErr(line, i, "missing fields")
	}
	for i < len(line) && line[i] == ' ' {
		i++
	}
	// Fields.
	for {
		j, esc := scanKey(line, i, true)
		if j == i {
			return nil, synErr(line, i, "empty field key")
		}
		if j >= len(line) || line[j] != '=' {
			return nil, synErr(line, j, "field key without '='")
		}
		f := Field{Key: ps.unescape(line[i:j], esc, true)}
		for k := range p.Fields {
			if bytes.Equal(p.Fields[k].Key, f.Key) {
				return nil, synErr(line, i, "duplicate field key")
			}
		}
		k, err := ps.value(line, j+1, &f)
		if err != nil {
			return nil, err
		}
		p.Fields = append(p.Fields, f)
		i = k
		if i < len(line) && line[i] == ',' {
			i++
			continue
		}
		break
	}
	if i == len(line) {
		return p, nil
	}
	if line[i] != ' ' {
		return nil, synErr(line, i, "unexpected character after field value")
	}
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i == len(line) {
		return p, nil
	}
	j := i
	for j < len(line) && line[j] != ' ' {
		j++
	}
	ts, ok := parseInt(line[i:j])
	if !ok {
		return nil, synErr(line, i, "timestamp is not an integer number of nanoseconds")
	}
	for k := j; k < len(line); k++ {
		if line[k] != ' ' {
			return nil, synErr(line, k, "unexpected text after timestamp")
		}
	}
	p.Time, p.HasTime = ts, true
	return p, nil
}

// keyStop marks the bytes scanKey must look at.
var keyStop = [256]bool{'\\': true, ',': true, ' ': true, '=': true, '\n': true}

// scanKey returns the end of the key or value starting at i: the first
// unescaped ',' or ' ' (and '=' when eq), and whether it holds a backslash.
func scanKey(line []byte, i int, eq bool) (int, bool) {
	esc := false
	for ; i < len(line); i++ {
		if !keyStop[line[i]] { // most bytes: one table look-up
			continue
		}
		switch c := line[i]; c {
		case '\\':
			if i+1 < len(line) {
				esc = true
				i++
			}
		case ',', ' ':
			return i, esc
		case '=':
			if eq {
				return i, esc
			}
		case '\n':
			return i, esc
		}
	}
	return i, esc
}

// unescape removes escaping backslashes (before ',', ' ', '\\', and '='
// when eq).
func (ps *Parser) unescape(b []byte, esc, eq bool) []byte {
	if !esc {
		return b
	}
	start := len(ps.scratch)
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) && (b[i+1] == ',' || b[i+1] == ' ' || b[i+1] == '\\' || (eq && b[i+1] == '=')) {
			i++
		}
		ps.scratch = append(ps.scratch, b[i])
	}
	return ps.scratch[start:len(ps.scratch):len(ps.scratch)]
}

// value parses a field value starting at i into f and returns its end.
func (ps *Parser) value(line []byte, i int, f *Field) (int, error) {
	if i >= len(line) {
		return 0, synErr(line, i, "missing field value")
	}
	if line[i] == '"' {
		start := len(ps.scratch)
		for j := i + 1; j < len(line); j++ {
			switch line[j] {
			case '\\':
				if j+1 < len(line) && (line[j+1] == '"' || line[j+1] == '\\') {
					j++
				}
			case '"':
				f.Type = String
				f.Str = ps.scratch[start:len(ps.scratch):len(ps.scratch)]
				return j + 1, nil
			}
			ps.scratch = append(ps.scratch, line[j])
		}
		return 0, synErr(line, i, "unterminated string")
	}
	j := i
	for j < len(line) && line[j] != ',' && line[j] != ' ' {
		j++
	}
	v := line[i:j]
	if len(v) == 0 {
		return 0, synErr(line, i, "missing field value")
	}
	switch last := v[len(v)-1]; {
	case last == 'i' && len(v) > 1:
		n, ok := parseInt(v[:len(v)-1])
		if !ok {
			return 0, synErr(line, i, "bad integer value")
		}
		f.Type, f.Int = Int, n
	case last == 'u' && len(v) > 1:
		n, ok := parseUint(v[:len(v)-1])
		if !ok {
			return 0, synErr(line, i, "bad unsigned value")
		}
		f.Type, f.Uint = Uint, n
	default:
		switch string(v) {
		case "t", "T", "true", "True", "TRUE":
			f.Type, f.Bool = Bool, true
			return j, nil
		case "f", "F", "false", "False", "FALSE":
			f.Type, f.Bool = Bool, false
			return j, nil
		}
		if x, ok := fastFloat(v); ok {
			f.Type, f.Float = Float, x
			return j, nil
		}
		if !floatSyntax(v) {
			return 0, synErr(line, i, "bad field value (not a number, boolean or quoted string; NaN and Inf are not allowed)")
		}
		x, err := strconv.ParseFloat(unsafe.String(&v[0], len(v)), 64)
		if err != nil || math.IsInf(x, 0) {
			return 0, synErr(line, i, "float value out of range")
		}
		f.Type, f.Float = Float, x
	}
	return j, nil
}

// floatSyntax accepts [-+]?digits[.digits][(e|E)[-+]?digits], or .digits.
func floatSyntax(v []byte) bool {
	i := 0
	if i < len(v) && (v[i] == '-' || v[i] == '+') {
		i++
	}
	d := 0
	for ; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
		d++
	}
	if i < len(v) && v[i] == '.' {
		i++
		for ; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
			d++
		}
	}
	if d == 0 {
		return false
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '-' || v[i] == '+') {
			i++
		}
		e := 0
		for ; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
			e++
		}
		if e == 0 {
			return false
		}
	}
	return i == len(v)
}

func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	u, ok := parseUint(b)
	if !ok {
		return 0, false
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// exact10 are the powers of ten that float64 holds exactly.
var exact10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastFloat parses the common plain decimal [-+]?digits[.digits] whose
// digits, read as an integer m, are at most 2^53, with at most 22 after
// the point: m and 10^k are then exact float64s and one IEEE division
// rounds m/10^k correctly, the value strconv.ParseFloat returns. Anything
// else (exponents, longer mantissas) reports false, for the general path.
func fastFloat(v []byte) (float64, bool) {
	i := 0
	neg := false
	if len(v) > 0 && (v[0] == '-' || v[0] == '+') {
		neg, i = v[0] == '-', 1
	}
	var m uint64
	digits, frac, point := 0, 0, false
	for ; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			if digits++; digits > 19 {
				return 0, false
			}
			m = m*10 + uint64(c-'0')
			if point {
				frac++
			}
		case c == '.' && !point:
			point = true
		default:
			return 0, false
		}
	}
	if digits == 0 || m > 1<<53 || frac >= len(exact10) {
		return 0, false
	}
	x := float64(m) / exact10[frac]
	if neg {
		x = -x
	}
	return x, true
}

func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var n uint64
	if len(b) < 20 { // at most 19 digits: cannot overflow
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + uint64(c-'0')
		}
		return n, true
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// synErr describes a syntax error at byte offset i of line, quoting a
// short, safe excerpt.
func synErr(line []byte, i int, msg string) error {
	ex := line
	if len(ex) > 80 {
		ex = ex[:80]
	}
	return fmt.Errorf("%w at byte %d: %s (line %q)", ErrSyntax, i, msg, ex)
}
