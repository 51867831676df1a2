package stream

import (
	"context"
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

func TestEach(t *testing.T) {
	stop := errors.New("stop")
	// f's error ends it, after the events before.
	b := New()
	s := b.Subscribe(10)
	b.Publish([]cases.Event{ev("a", 1), ev("a", 2), ev("a", 3)})
	var seen []int
	err := s.Each(context.Background(), func(e cases.Event) error {
		seen = append(seen, e.Seq)
		if e.Seq == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || len(seen) != 2 {
		t.Fatalf("Each = %v after %v, want stop after 2 events", err, seen)
	}
	for open := true; open; { // events left in the buffer, then closed
		select {
		case _, open = <-s.C:
		default:
			t.Fatal("the subscription is still open after Each returned")
		}
	}
	// A closed bus ends it with ErrClosed, a lag with ErrLagged, a
	// cancelled context with its error.
	s = b.Subscribe(10)
	b.Close()
	if err := s.Each(context.Background(), func(cases.Event) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed bus: %v", err)
	}
	b = New()
	s = b.Subscribe(1)
	b.Publish([]cases.Event{ev("a", 1), ev("a", 2)})
	if err := s.Each(context.Background(), func(cases.Event) error { return nil }); !errors.Is(err, ErrLagged) {
		t.Fatalf("lagged: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Subscribe(1).Each(ctx, func(cases.Event) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}
