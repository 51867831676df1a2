package escalate_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
	"yiwang/internal/escalate"
	"yiwang/internal/store"
	"yiwang/internal/store/memstore"
)

func TestScheduleLevel(t *testing.T) {
	h := time.Hour
	for _, tc := range []struct {
		name    string
		s       escalate.Schedule
		overdue time.Duration
		want    int
	}{
		{"not yet due", escalate.Schedule{}, -time.Second, 0},
		{"at the deadline", escalate.Schedule{}, 0, 1},
		{"just before the second", escalate.Schedule{}, 4*h - time.Second, 1},
		{"second", escalate.Schedule{}, 4 * h, 2},
		{"third", escalate.Schedule{}, 8 * h, 3},
		{"days later", escalate.Schedule{}, 48 * h, 13},
		{"first after a grace", escalate.Schedule{First: 30 * time.Minute}, 29 * time.Minute, 0},
		{"grace over", escalate.Schedule{First: 30 * time.Minute}, 30 * time.Minute, 1},
		{"every 2h", escalate.Schedule{Every: 2 * h}, 5 * h, 3},
		{"capped", escalate.Schedule{MaxLevel: 2}, 40 * h, 2},
	} {
		if got := tc.s.Level(tc.overdue); got != tc.want {
			t.Errorf("%s: Level(%v) = %d, want %d", tc.name, tc.overdue, got, tc.want)
		}
	}
}

// A normal case's missed sign-off is supervised at the deadline and every
// four hours, one unit further up the chain each time, and never twice.
func TestReminderLevelsOverTime(t *testing.T) {
	forEachStore(t, func(t *testing.T, w *world) {
		id := w.dispatched(cases.SeverityNormal, community, 2*time.Hour)
		sc := w.scanner(escalate.Options{})
		steps := []struct {
			at   time.Duration
			want []sup // all supervisions so far
		}{
			{time.Hour, nil},
			{2*time.Hour - time.Second, nil},
			{2 * time.Hour, []sup{{"sign_off", 1, street}}},
			{2*time.Hour + 30*time.Minute, []sup{{"sign_off", 1, street}}},
			{6 * time.Hour, []sup{{"sign_off", 1, street}, {"sign_off", 2, district}}},
			{6*time.Hour + time.Minute, []sup{{"sign_off", 1, street}, {"sign_off", 2, district}}},
			{10 * time.Hour, []sup{{"sign_off", 1, street}, {"sign_off", 2, district}, {"sign_off", 3, city}}},
			{14 * time.Hour, []sup{{"sign_off", 1, street}, {"sign_off", 2, district}, {"sign_off", 3, city}, {"sign_off", 4, city}}},
		}
		for _, st := range steps {
			scan(t, sc, t0.Add(st.at))
			got, notes := w.supervisions(id)
			if !slices.Equal(got, st.want) {
				t.Fatalf("after the scan at t0+%v: supervisions %v, want %v", st.at, got, st.want)
			}
			if len(notes) > 0 && !strings.HasPrefix(notes[0], "超时督办：签收时限 2025-10-09 10:30 已过") {
				t.Errorf("note %q", notes[0])
			}
		}
		_, notes := w.supervisions(id)
		if !hasAll(notes[0], "第1次督办", "督办单位 杨园街道办事处（jiedao.420106002）", "承办单位 示例社区居委会") {
			t.Errorf("level 1 note %q", notes[0])
		}
		if !hasAll(notes[3], "第4次督办", "已至最高层级") {
			t.Errorf("level 4 note %q", notes[3])
		}
		// A fresh scanner (another node, or this one restarted) finds
		// every key used and appends nothing.
		rep := scan(t, w.scanner(escalate.Options{}), t0.Add(14*time.Hour+time.Minute))
		if rep.Supervised != 1 || rep.Replayed != 1 {
			t.Errorf("fresh scanner: %+v, want one replayed supervision", rep)
		}
		if got, _ := w.supervisions(id); len(got) != 4 {
			t.Errorf("fresh scanner added supervisions: %v", got)
		}
		// A scanner that already knows the key does not even ask.
		if rep := scan(t, sc, t0.Add(14*time.Hour+2*time.Minute)); rep.Known != 1 || rep.Supervised != 0 {
			t.Errorf("steady scan: %+v", rep)
		}
	})
}

// An approved extension moves the resolve deadline: the new deadline is
// escalated afresh from level 1, and nothing is escalated while the
// extension request pauses the case.
func TestMovedDeadlineEscalatesAfresh(t *testing.T) {
	forEachStore(t, func(t *testing.T, w *world) {
		id := w.dispatched(cases.SeverityNormal, community, time.Hour)
		resolve := t0.Add(24 * time.Hour)
		w.do(id, t0.Add(30*time.Minute), cases.Command{Action: cases.ActionAccept, Payload: cases.Payload{Deadlines: &cases.Deadlines{Resolve: &resolve}}})
		sc := w.scanner(escalate.Options{})
		scan(t, sc, t0.Add(25*time.Hour))
		w.do(id, t0.Add(26*time.Hour), cases.Command{Action: cases.ActionRequestExtension, Payload: cases.Payload{Reason: "需协调管线单位"}})
		scan(t, sc, t0.Add(40*time.Hour)) // paused: nothing
		moved := t0.Add(72 * time.Hour)
		w.do(id, t0.Add(41*time.Hour), cases.Command{Action: cases.ActionApproveExtension, Payload: cases.Payload{Deadlines: &cases.Deadlines{Resolve: &moved}}})
		scan(t, sc, t0.Add(50*time.Hour)) // the new deadline has not passed
		scan(t, sc, t0.Add(72*time.Hour+time.Minute))
		got, notes := w.supervisions(id)
		want := []sup{{"resolve", 1, street}, {"resolve", 1, street}}
		if !slices.Equal(got, want) {
			t.Fatalf("supervisions %v, want %v", got, want)
		}
		if !strings.Contains(notes[0], "办结时限 2025-10-10 08:30") || !strings.Contains(notes[1], "办结时限 2025-10-12 08:30") {
			t.Errorf("notes do not name the deadlines: %q", notes)
		}
	})
}

// A suspended case is not escalated, not even for a summoned unit that
// has not reported; once resumed, the lateness of its SLA clocks counts
// without the time it spent suspended.
func TestPausedCaseIsNotEscalated(t *testing.T) {
	forEachStore(t, func(t *testing.T, w *world) {
		id := w.dispatched(cases.SeverityNormal, community, 2*time.Hour)
		due := t0.Add(time.Hour)
		w.do(id, t0.Add(time.Minute), cases.Command{Action: cases.ActionSummon, Payload: cases.Payload{Units: []string{cgDist}, Due: &due}})
		w.do(id, t0.Add(50*time.Minute), cases.Command{Action: cases.ActionSuspend, Payload: cases.Payload{Reason: "等待产权单位答复"}})
		sc := w.scanner(escalate.Options{})
		for _, at := range []time.Duration{3 * time.Hour, 10 * time.Hour, 19 * time.Hour} {
			if rep := scan(t, sc, t0.Add(at)); rep.Supervised != 0 {
				t.Fatalf("paused case supervised at t0+%v: %+v", at, rep)
			}
		}
		w.do(id, t0.Add(20*time.Hour), cases.Command{Action: cases.ActionResume})
		scan(t, sc, t0.Add(21*time.Hour))
		got, _ := w.supervisions(id)
		// sign_off: 21h late less 19h10m suspended = 1h50m → level 1.
		// summons: 20h late, summons clocks do not stop → level 6, past the
		// top of 城管's two-unit chain.
		want := []sup{{"summons:" + cgDist, 6, city}, {"sign_off", 1, street}}
		if !slices.Equal(got, want) {
			t.Fatalf("supervisions %v, want %v", got, want)
		}
	})
}

// 吹哨报到: a summoned unit that has not reported by its due is escalated up
// its own chain; one that reported is not.
func TestSummonsFollowUp(t *testing.T) {
	forEachStore(t, func(t *testing.T, w *world) {
		id := w.create(cases.SeverityNormal)
		due := t0.Add(time.Hour)
		w.do(id, t0, cases.Command{Action: cases.ActionSummon, Actor: "street-chief", Payload: cases.Payload{Units: []string{cgDist, street}, Due: &due}})
		w.do(id, t0.Add(30*time.Minute), cases.Command{Action: cases.ActionReport, Payload: cases.Payload{Unit: street}})
		sc := w.scanner(escalate.Options{})
		scan(t, sc, t0.Add(59*time.Minute))
		if got, _ := w.supervisions(id); len(got) != 0 {
			t.Fatalf("supervised before the due: %v", got)
		}
		scan(t, sc, t0.Add(2*time.Hour))
		got, notes := w.supervisions(id)
		if want := []sup{{"summons:" + cgDist, 1, district}}; !slices.Equal(got, want) {
			t.Fatalf("supervisions %v, want %v", got, want)
		}
		if !hasAll(notes[0], "吹哨报到时限 2025-10-09 09:30 已过", "被召单位 武昌区城管执法局（chengguan.420106）未报到", "督办单位 武昌区人民政府") {
			t.Errorf("note %q", notes[0])
		}
		// Reporting late stops further reminders.
		w.do(id, t0.Add(3*time.Hour), cases.Command{Action: cases.ActionReport, Payload: cases.Payload{Unit: cgDist}})
		scan(t, sc, t0.Add(10*time.Hour))
		if got, _ := w.supervisions(id); len(got) != 1 {
			t.Errorf("supervised after the unit reported: %v", got)
		}
	})
}

// 分级响应: an urgent case's first supervision goes one step higher than a
// normal one's, a critical case's two steps.
func TestTieredChainBySeverity(t *testing.T) {
	forEachStore(t, func(t *testing.T, w *world) {
		for _, tc := range []struct {
			sev   cases.Severity
			want  []sup
			words string
		}{
			{cases.SeverityNormal, []sup{{"sign_off", 1, street}, {"sign_off", 2, district}}, "第2次督办，督办单位"},
			{cases.SeverityUrgent, []sup{{"sign_off", 1, district}, {"sign_off", 2, city}}, "紧急件，督办上提一级"},
			{cases.SeverityCritical, []sup{{"sign_off", 1, city}, {"sign_off", 2, city}}, "特急件，督办上提两级"},
		} {
			id := w.dispatched(tc.sev, community, time.Hour)
			sc := w.scanner(escalate.Options{})
			scan(t, sc, t0.Add(2*time.Hour))
			scan(t, sc, t0.Add(6*time.Hour))
			got, notes := w.supervisions(id)
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: supervisions %v, want %v", tc.sev, got, tc.want)
			} else if !strings.Contains(notes[1], tc.words) {
				t.Errorf("%s: note %q lacks %q", tc.sev, notes[1], tc.words)
			}
		}
	})
}

// A deadline with no unit above it is still supervised: the supervision
// names no unit and says why; nothing crashes.
func TestNoSupervisingUnit(t *testing.T) {
	forEachStore(t, func(t *testing.T, w *world) {
		for _, tc := range []struct {
			name, unit string
			dir        *dispatch.Directory
			why        string
		}{
			{"top of the tree", city, w.dir, "武汉市人民政府（zhengfu.420100）已是最高层级，无上级督办单位"},
			{"unknown unit", "u9", w.dir, "单位 u9 不在单位目录中"},
			{"no directory", community, nil, "单位目录不可用"},
		} {
			id := w.dispatched(cases.SeverityCritical, tc.unit, time.Hour)
			sc := w.scanner(escalate.Options{Directory: func() *dispatch.Directory { return tc.dir }})
			scan(t, sc, t0.Add(90*time.Minute))
			got, notes := w.supervisions(id)
			if want := []sup{{"sign_off", 1, ""}}; !slices.Equal(got, want) {
				t.Errorf("%s: supervisions %v, want %v", tc.name, got, want)
				continue
			}
			if !strings.Contains(notes[0], "无督办单位："+tc.why) {
				t.Errorf("%s: note %q lacks %q", tc.name, notes[0], tc.why)
			}
		}
	})
}

// A case that changes between listing and supervising is re-read: a
// sign-off that happened meanwhile is not supervised.
func TestCaseChangedUnderScan(t *testing.T) {
	w := &world{tb: t, s: memstore.New(memstore.Options{}), dir: testDir(t)}
	id := w.dispatched(cases.SeverityNormal, community, time.Hour)
	racy := &racyStore{Store: w.s, before: func() {
		w.do(id, t0.Add(2*time.Hour), cases.Command{Action: cases.ActionAccept})
	}}
	sc, err := escalate.New(escalate.Options{Store: racy, Logger: slog.New(slog.DiscardHandler), Directory: func() *dispatch.Directory { return w.dir }})
	if err != nil {
		t.Fatal(err)
	}
	rep := scan(t, sc, t0.Add(2*time.Hour))
	if got, _ := w.supervisions(id); len(got) != 0 || rep.Supervised != 0 {
		t.Fatalf("supervised an accepted case: %v, %+v", got, rep)
	}
}

// racyStore runs before once, just before the first transition, as if
// another user acted between the scanner's List and its Transition.
type racyStore struct {
	escalate.Store
	before func()
	ran    bool
}

func (r *racyStore) Transition(ctx context.Context, req store.TransitionRequest) (cases.Case, cases.Event, error) {
	if !r.ran {
		r.ran = true
		r.before()
	}
	return r.Store.Transition(ctx, req)
}

// After a time without any scanner, only the level due now is appended,
// not the ones whose slots passed meanwhile.
func TestDowntimeAppendsCurrentLevelOnly(t *testing.T) {
	forEachStore(t, func(t *testing.T, w *world) {
		id := w.dispatched(cases.SeverityNormal, community, 2*time.Hour)
		scan(t, w.scanner(escalate.Options{}), t0.Add(12*time.Hour)) // 10h late → level 3
		got, notes := w.supervisions(id)
		if want := []sup{{"sign_off", 3, city}}; !slices.Equal(got, want) {
			t.Fatalf("supervisions %v, want %v", got, want)
		}
		if !strings.Contains(notes[0], "第3次督办") {
			t.Errorf("note %q", notes[0])
		}
	})
}
