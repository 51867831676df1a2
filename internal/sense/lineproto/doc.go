// Package lineproto parses and writes the InfluxDB line protocol:
//
//	measurement[,tag=value...] field=value[,field=value...] [timestamp]
//
// Escaping follows InfluxDB: in the measurement a backslash escapes a comma,
// a space or a backslash; in tag keys, tag values and field keys it escapes
// a comma, an equals sign, a space or a backslash; in string field values it
// escapes a double quote or a backslash. Any other backslash is kept
// literally. (Treating "\\" as one backslash everywhere is what lets Append
// write any key, including one ending in a backslash.) Field values are
// floats (1.5, -2e3), integers (12i), unsigned integers (12u), booleans
// (t, T, true, True, TRUE, f, F, false, False, FALSE) or strings ("a").
// The timestamp is an integer number of nanoseconds since the Unix epoch.
//
// The parser is exact and strict: NaN and infinities are refused (the
// protocol has no syntax for them), as are hexadecimal floats, underscores,
// duplicate field keys, empty keys and trailing garbage. Parsing reuses the
// Parser's buffers: a parsed Point aliases the input and the Parser, and is
// valid until the next call.
package lineproto
