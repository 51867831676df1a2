package store

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"yiwang/internal/cases"
)

// The cursor of a list in deadline order (Filter.ByDue) names the last
// case of a page by its place in that order: "d<next_due unix µs>.<n>"
// while the page is among the cases with a running deadline, "z.<n>" once
// it is past them, n being the case's creation number; in unpadded
// base64url like the stores' other cursor.

// EncodeDueCursor is the ByDue cursor after the case created n-th whose
// earliest pending deadline is due (hasDue false: none runs).
func EncodeDueCursor(due time.Time, hasDue bool, n int64) string {
	s := "z." + strconv.FormatInt(n, 10)
	if hasDue {
		s = "d" + strconv.FormatInt(Time(due).UnixMicro(), 10) + "." + strconv.FormatInt(n, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// DecodeDueCursor reads a cursor EncodeDueCursor made; anything else is a
// *cases.FieldError on cursor.
func DecodeDueCursor(c string) (due time.Time, hasDue bool, n int64, err error) {
	bad := fmt.Errorf("list cases: %w", &cases.FieldError{Field: "cursor", Reason: "is not a cursor of this deadline-ordered list"})
	raw, derr := base64.RawURLEncoding.DecodeString(c)
	if derr != nil || len(raw) < 3 {
		return time.Time{}, false, 0, bad
	}
	head, num, ok := strings.Cut(string(raw[1:]), ".")
	n, perr := strconv.ParseInt(num, 10, 64)
	if !ok || perr != nil || n <= 0 {
		return time.Time{}, false, 0, bad
	}
	switch raw[0] {
	case 'z':
		if head != "" {
			return time.Time{}, false, 0, bad
		}
		return time.Time{}, false, n, nil
	case 'd':
		us, err := strconv.ParseInt(head, 10, 64)
		if err != nil {
			return time.Time{}, false, 0, bad
		}
		return time.UnixMicro(us).UTC(), true, n, nil
	}
	return time.Time{}, false, 0, bad
}
