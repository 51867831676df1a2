package memstore

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// matcher is a store.Filter ready to test rows with.
type matcher struct {
	f store.Filter
	// below: only the rows at indexes below it in creation order are
	// listed (those before the cursor's case).
	below                        int
	text                         string
	createdFrom, createdTo, dueB time.Time
}

func newMatcher(f store.Filter) (*matcher, error) {
	m := &matcher{f: f, below: math.MaxInt, text: strings.ToLower(f.Text)}
	if f.Cursor != "" {
		n, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		// Case n is at index n-1: list the indexes below that.
		m.below = int(min(n, math.MaxInt32)) - 1
	}
	m.createdFrom, m.createdTo, m.dueB = norm(f.CreatedFrom), norm(f.CreatedTo), norm(f.DueBefore)
	return m, nil
}

// match reports whether a case with fields r passes every set filter.
func (m *matcher) match(r *fields) bool {
	f := &m.f
	switch {
	case len(f.States) > 0 && !slices.Contains(f.States, r.state),
		len(f.Channels) > 0 && !slices.Contains(f.Channels, r.channel),
		!strings.HasPrefix(r.category, f.Category),
		f.Unit != "" && r.unit != f.Unit,
		f.Scope != nil && !f.Scope.Match(r.unit, cases.Location{District: r.areas[0], Street: r.areas[1], Community: r.areas[2], Grid: r.areas[3]}),
		len(f.Areas) > 0 && !slices.ContainsFunc(f.Areas, func(a string) bool { return slices.Contains(r.areas[:], a) }),
		!f.CreatedFrom.IsZero() && r.created.Before(m.createdFrom),
		!f.CreatedTo.IsZero() && !r.created.Before(m.createdTo),
		!f.DueBefore.IsZero() && (!r.hasDue || !r.due.Before(m.dueB)),
		f.MinReturns > 0 && r.returns < f.MinReturns,
		f.OpenSummons && !r.summons,
		f.Parent != "" && r.parent != f.Parent,
		!store.MatchQueue(f.Queue, r.queue),
		m.text != "" && !strings.Contains(r.title, m.text) && !strings.Contains(r.description, m.text):
		return false
	}
	return true
}

// The cursor is the SQL stores' own: the creation number of the last case
// of a page, "n<number>" in unpadded base64url.

func encodeCursor(n int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("n" + strconv.FormatInt(n, 10)))
}

func decodeCursor(c string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && len(raw) > 1 && raw[0] == 'n' {
		if n, err := strconv.ParseInt(string(raw[1:]), 10, 64); err == nil && n > 0 {
			return n, nil
		}
	}
	return 0, fmt.Errorf("list cases: %w", &cases.FieldError{Field: "cursor", Reason: "is not a cursor returned by this store"})
}
