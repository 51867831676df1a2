package lineproto

import (
	"strconv"
)

// Append writes p as one line (without newline) to dst. Integers get the
// 'i' suffix, unsigned 'u'; floats use the shortest exact form.
func Append(dst []byte, p *Point) []byte {
	dst = appendEsc(dst, p.Measurement, false)
	for _, t := range p.Tags {
		dst = append(dst, ',')
		dst = appendEsc(dst, t.Key, true)
		dst = append(dst, '=')
		dst = appendEsc(dst, t.Value, true)
	}
	for i, f := range p.Fields {
		if i == 0 {
			dst = append(dst, ' ')
		} else {
			dst = append(dst, ',')
		}
		dst = appendEsc(dst, f.Key, true)
		dst = append(dst, '=')
		switch f.Type {
		case Float:
			dst = strconv.AppendFloat(dst, f.Float, 'g', -1, 64)
		case Int:
			dst = strconv.AppendInt(dst, f.Int, 10)
			dst = append(dst, 'i')
		case Uint:
			dst = strconv.AppendUint(dst, f.Uint, 10)
			dst = append(dst, 'u')
		case Bool:
			dst = strconv.AppendBool(dst, f.Bool)
		case String:
			dst = append(dst, '"')
			for _, c := range f.Str {
				if c == '"' || c == '\\' {
					dst = append(dst, '\\')
				}
				dst = append(dst, c)
			}
			dst = append(dst, '"')
		}
	}
	if p.HasTime {
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, p.Time, 10)
	}
	return dst
}

func appendEsc(dst, b []byte, eq bool) []byte {
	for _, c := range b {
		if c == ',' || c == ' ' || (eq && c == '=') || c == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return dst
}
