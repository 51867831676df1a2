package demo

import (
	"cmp"
	"slices"
	"time"
)

// DefaultSpanDays is how many days before now the demo's messages are spread over.
const DefaultSpanDays = 60

// timeMap moves the messages' real times (2011–2020) into the recent past.
//
// The mapping is by rank: the messages are sorted by their real creation
// time (then id), and the k-th of n lands on calendar day floor(k·span/n),
// counted from span days before today (China Standard Time), at its real
// time of day. Day order is therefore kept and every day of the span gets
// about n/span messages. Messages mapped to today have their time of day
// scaled into the part of today already past, so nothing lies in the future.
//
// Delays (reply time minus creation time) are real durations d squeezed
// into the time a left until now as d·a/(d+a): short delays stay close to
// real, and every reply falls before now.
type timeMap struct {
	now     time.Time
	created map[string]time.Time // message id → mapped creation time
}

func newTimeMap(msgs []Message, now time.Time, spanDays int) timeMap {
	order := make([]int, len(msgs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := msgs[a].CreatedAt.Compare(msgs[b].CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(msgs[a].ID, msgs[b].ID)
	})
	nowCST := now.In(cst)
	today := time.Date(nowCST.Year(), nowCST.Month(), nowCST.Day(), 0, 0, 0, 0, cst)
	sinceMidnight := nowCST.Sub(today)
	tm := timeMap{now: now, created: make(map[string]time.Time, len(msgs))}
	for rank, i := range order {
		day := rank * spanDays / len(msgs) // 0 … spanDays-1
		back := spanDays - 1 - day         // days before today
		real := msgs[i].CreatedAt.In(cst)
		tod := time.Duration(real.Hour())*time.Hour + time.Duration(real.Minute())*time.Minute + time.Duration(real.Second())*time.Second
		if back == 0 {
			tod = time.Duration(float64(tod) * float64(sinceMidnight) / float64(24*time.Hour)).Truncate(time.Second)
		}
		midnight := time.Date(today.Year(), today.Month(), today.Day()-back, 0, 0, 0, 0, cst)
		tm.created[msgs[i].ID] = midnight.Add(tod)
	}
	return tm
}

// squeeze maps a real delay d after t into the time left until now.
func (tm timeMap) squeeze(t time.Time, d time.Duration) time.Duration {
	a := tm.now.Sub(t)
	if a <= 0 || d <= 0 {
		return 0
	}
	return time.Duration(float64(d) * float64(a) / float64(d+a))
}
