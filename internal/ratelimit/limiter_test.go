package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestAllowBucket(t *testing.T) {
	l, err := New(Config{Rate: 2, Burst: 3})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		at        time.Duration
		client    string
		ok        bool
		retryWant time.Duration
	}{
		{0, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", false, 500 * time.Millisecond}, // empty: one token in 1/rate
		{0, "b", true, 0},                       // another client has its own bucket
		{250 * time.Millisecond, "a", false, 250 * time.Millisecond},
		{500 * time.Millisecond, "a", true, 0},
		{500 * time.Millisecond, "a", false, 500 * time.Millisecond},
		{10 * time.Second, "a", true, 0}, // refilled, but never above burst
		{10 * time.Second, "a", true, 0},
		{10 * time.Second, "a", true, 0},
		{10 * time.Second, "a", false, 500 * time.Millisecond},
		{9 * time.Second, "a", false, 500 * time.Millisecond}, // clock going back refills nothing
	}
	for i, s := range steps {
		ok, wait := l.Allow(s.client, t0.Add(s.at))
		if ok != s.ok || (!ok && (wait-s.retryWant).Abs() > time.Millisecond) {
			t.Fatalf("step %d (%v, %s): got ok=%v wait=%v, want ok=%v wait≈%v", i, s.at, s.client, ok, wait, s.ok, s.retryWant)
		}
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		c       Config
		wantErr bool
		wantNil bool
	}{
		{"zero disables", Config{}, false, true},
		{"negative rate", Config{Rate: -1}, true, true},
		{"negative burst", Config{Rate: 1, Burst: -1}, true, true},
		{"negative max", Config{Rate: 1, MaxClients: -1}, true, true},
		{"ok", Config{Rate: 0.5}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := New(tt.c)
			if (err != nil) != tt.wantErr || (l == nil) != tt.wantNil {
				t.Fatalf("New(%+v) = %v, %v; want err %v, nil %v", tt.c, l, err, tt.wantErr, tt.wantNil)
			}
		})
	}
}

func TestNilLimiterAllows(t *testing.T) {
	var l *Limiter
	for range 100 {
		if ok, _ := l.Allow("x", t0); !ok {
			t.Fatal("a nil limiter refused a request")
		}
	}
	if l.Len() != 0 {
		t.Fatal("a nil limiter remembers clients")
	}
}

func TestDefaultBurst(t *testing.T) {
	l, _ := New(Config{Rate: 0.1})
	if ok, _ := l.Allow("a", t0); !ok {
		t.Fatal("first request refused")
	}
	ok, wait := l.Allow("a", t0)
	if ok || wait != 10*time.Second {
		t.Fatalf("second request: ok=%v wait=%v, want refused for 10s", ok, wait)
	}
}

func TestBoundedMemory(t *testing.T) {
	l, _ := New(Config{Rate: 1, Burst: 2, MaxClients: 100})
	for i := range 1000 {
		l.Allow(fmt.Sprintf("c%d", i), t0)
	}
	if n := l.Len(); n != 100 {
		t.Fatalf("remembers %d clients, want the cap 100", n)
	}
	// The most recent client is still limited: forgetting takes the least
	// recently seen.
	l.Allow("c999", t0)
	if ok, _ := l.Allow("c999", t0); ok {
		t.Fatal("the most recent client lost its bucket")
	}
}

func TestIdleEviction(t *testing.T) {
	l, _ := New(Config{Rate: 1, Burst: 2, MaxClients: 1000})
	for i := range 50 {
		l.Allow(fmt.Sprintf("c%d", i), t0)
	}
	// After the fill time (2 s) the idle buckets are full, so they are
	// forgotten a few per call as other clients come.
	for i := range 20 {
		l.Allow("active", t0.Add(3*time.Second+time.Duration(i)*time.Millisecond))
	}
	if n := l.Len(); n != 1 {
		t.Fatalf("remembers %d clients, want 1", n)
	}
}
