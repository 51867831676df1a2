package stream

import (
	"errors"
	"testing"

	"yiwang/internal/cases"
)

func ev(id string, seq int) cases.Event { return cases.Event{CaseID: id, Seq: seq} }

func TestOrderAndFanOut(t *testing.T) {
	b := New()
	s1, s2 := b.Subscribe(10), b.Subscribe(10)
	b.Publish([]cases.Event{ev("a", 1), ev("b", 1)})
	b.Publish([]cases.Event{ev("a", 2)})
	for _, s := range []*Subscription{s1, s2} {
		for _, want := range []cases.Event{ev("a", 1), ev("b", 1), ev("a", 2)} {
			if got := <-s.C; got.CaseID != want.CaseID || got.Seq != want.Seq {
				t.Fatalf("got %s/%d, want %s/%d", got.CaseID, got.Seq, want.CaseID, want.Seq)
			}
		}
	}
	s1.Cancel()
	if _, ok := <-s1.C; ok || s1.Err() != nil {
		t.Fatalf("cancelled subscription: open=%v err=%v", ok, s1.Err())
	}
	b.Close()
	if _, ok := <-s2.C; ok || !errors.Is(s2.Err(), ErrClosed) {
		t.Fatalf("closed bus: open=%v err=%v", ok, s2.Err())
	}
}

func TestSlowSubscriberIsDroppedNotBlocking(t *testing.T) {
	b := New()
	slow, fast := b.Subscribe(1), b.Subscribe(100)
	b.Publish([]cases.Event{ev("a", 1), ev("a", 2), ev("a", 3)})
	if got := (<-slow.C).Seq; got != 1 {
		t.Fatalf("slow got seq %d first", got)
	}
	if _, ok := <-slow.C; ok {
		t.Fatal("slow subscription still open")
	}
	if !errors.Is(slow.Err(), ErrLagged) {
		t.Fatalf("slow err = %v, want ErrLagged", slow.Err())
	}
	if len(fast.C) != 3 {
		t.Fatalf("fast subscriber has %d events, want 3", len(fast.C))
	}
}
