package cases

import (
	"testing"
	"time"
)

func TestPendingDeadlines(t *testing.T) {
	at := func(h int) *time.Time { x := t0.Add(time.Duration(h) * time.Hour); return &x }
	c := newTestCase(t)
	if _, ok := c.NextDue(); ok {
		t.Fatal("a new case without deadlines has a due time")
	}
	do(t, &c, Command{Action: ActionDispatch, Payload: Payload{Unit: "a", Deadlines: &Deadlines{SignOff: at(2), Resolve: at(48)}}})
	if p := c.Pending(); len(p) != 2 || p[0].Clock != ClockSignOff || !p[0].At.Equal(*at(2)) {
		t.Fatalf("dispatched pending = %+v", p)
	}
	do(t, &c, Command{Action: ActionAccept})
	if p := c.Pending(); len(p) != 1 || p[0].Clock != ClockResolve {
		t.Fatalf("accepted pending = %+v, want resolve only", p)
	}
	do(t, &c, Command{Action: ActionSuspend, Payload: Payload{Reason: "等"}})
	if _, ok := c.NextDue(); ok || !c.Paused() {
		t.Fatal("a suspended case has a running deadline")
	}
	do(t, &c, Command{Action: ActionSummon, Payload: Payload{Units: []string{"sw"}, Due: at(1)}})
	if p := c.Pending(); len(p) != 1 || p[0].Clock != "summons:sw" {
		t.Fatalf("suspended case with a summons pending = %+v", p)
	}
	do(t, &c, Command{Action: ActionReport, Payload: Payload{Unit: "sw"}})
	do(t, &c, Command{Action: ActionResume, Payload: Payload{Deadlines: &Deadlines{Resolve: at(60)}}})
	if due, ok := c.NextDue(); !ok || !due.Equal(*at(60)) {
		t.Fatalf("after resume with a moved deadline, next due = %v %v", due, ok)
	}
}
