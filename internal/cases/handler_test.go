package cases

import (
	"errors"
	"testing"
)

func TestHandlingCase(t *testing.T) {
	merged := func(id, parent string) *Case { return &Case{ID: id, State: StateMerged, ParentID: parent} }
	db := map[string]*Case{
		"open":   {ID: "open", State: StateInProgress},
		"mid":    merged("mid", "open"),
		"lost":   merged("lost", "nowhere"),
		"loopA":  merged("loopA", "loopB"),
		"loopB":  merged("loopB", "loopA"),
		"broken": merged("broken", "fails"),
	}
	errRead := errors.New("read failed")
	get := func(id string) (*Case, error) {
		if id == "fails" {
			return nil, errRead
		}
		return db[id], nil
	}
	tests := []struct {
		name     string
		c        *Case
		last     string
		complete bool
		err      error
	}{
		{"not merged", &Case{ID: "x", State: StateReceived}, "", false, nil},
		{"parent open", merged("c", "open"), "open", true, nil},
		{"chain of two", merged("c", "mid"), "open", true, nil},
		{"missing parent", merged("c", "nowhere"), "", false, nil},
		{"missing grandparent", merged("c", "lost"), "lost", false, nil},
		{"cycle", merged("c", "loopA"), "loopB", false, nil},
		{"read error", merged("c", "broken"), "broken", false, errRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			last, complete, err := HandlingCase(tt.c, get)
			if !errors.Is(err, tt.err) || complete != tt.complete {
				t.Fatalf("complete %v err %v, want %v %v", complete, err, tt.complete, tt.err)
			}
			got := ""
			if last != nil {
				got = last.ID
			}
			if got != tt.last {
				t.Errorf("last %q, want %q", got, tt.last)
			}
		})
	}
}
