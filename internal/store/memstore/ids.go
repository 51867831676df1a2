package memstore

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Case ids are PREFIX-YYYYMMDD-NNNNNN, as the SQL stores make them: the
// creation date in Asia/Shanghai and a per-day counter (six digits at
// least) shared by every view, so ids never collide across views.

// idDay is the counter key for a case created at t.
func (s *Store) idDay(t time.Time) string { return t.In(s.shanghai).Format("20060102") }

func (s *Store) formatID(day string, n int64) string {
	return fmt.Sprintf("%s-%s-%06d", s.prefix, day, n)
}

// parseID returns the day and number of an id in this view's format.
func (s *Store) parseID(id string) (day string, n int64, ok bool) {
	rest, found := strings.CutPrefix(id, s.prefix+"-")
	if !found {
		return "", 0, false
	}
	day, num, found := strings.Cut(rest, "-")
	if !found || len(day) != 8 || len(num) < 6 || strings.Trim(num, "0123456789") != "" {
		return "", 0, false
	}
	if _, err := time.Parse("20060102", day); err != nil {
		return "", 0, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return "", 0, false
	}
	return day, n, true
}
