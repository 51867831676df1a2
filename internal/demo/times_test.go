package demo

import (
	"fmt"
	"testing"
	"time"
)

func TestTimeMap(t *testing.T) {
	var msgs []Message
	base := time.Date(2011, 4, 2, 0, 0, 0, 0, cst)
	for i := range 600 {
		at := base.Add(time.Duration(i*i) * 97 * time.Minute)
		msgs = append(msgs, Message{ID: fmt.Sprint(i), CreatedAt: at})
	}
	tm := newTimeMap(msgs, testNow, 60)
	oldest := testNow.Add(-61 * day)
	var prevDay time.Time
	for i, m := range msgs { // msgs are in time order
		got := tm.created[m.ID]
		if !got.Before(testNow) || got.Before(oldest) {
			t.Fatalf("message %d mapped to %v, outside the 60 days before %v", i, got, testNow)
		}
		g, real := got.In(cst), m.CreatedAt.In(cst)
		d := time.Date(g.Year(), g.Month(), g.Day(), 0, 0, 0, 0, cst)
		if d.Before(prevDay) {
			t.Fatalf("message %d mapped to an earlier day than its predecessor", i)
		}
		prevDay = d
		today := testNow.In(cst).YearDay() == g.YearDay()
		if !today && (g.Hour() != real.Hour() || g.Minute() != real.Minute()) {
			t.Fatalf("message %d: time of day %s, want %s", i, g.Format("15:04"), real.Format("15:04"))
		}
	}
	sq := func(d, a time.Duration) time.Duration { return time.Duration(float64(d) * float64(a) / float64(d+a)) }
	tests := []struct {
		start   time.Time
		d, want time.Duration
	}{
		{testNow.Add(-100 * day), day, sq(day, 100*day)},
		{testNow.Add(-day), 10 * day, sq(10*day, day)},
		{testNow, day, 0},
		{testNow.Add(-day), 0, 0},
	}
	for _, tt := range tests {
		if got := tm.squeeze(tt.start, tt.d); got != tt.want || tt.start.Add(got).After(testNow) {
			t.Errorf("squeeze(%v, %v) = %v, want %v", tt.start, tt.d, got, tt.want)
		}
	}
}

func TestAnsweringUnit(t *testing.T) {
	tests := map[string]string{
		"网友您好！针对您反映的问题，A3区学士街道、含浦街道高度重视，现回复如下": "A3区学士街道、含浦街道",
		"您好，您的留言已收悉":  "您的留言",
		"感谢您对我们工作的支持": "",
	}
	for in, want := range tests {
		if got := answeringUnit(in); got != want {
			t.Errorf("answeringUnit(%q) = %q, want %q", in, got, want)
		}
	}
}
