package open311

import (
	"strings"
	"testing"

	"yiwang/internal/cases"
)

// TestMergedStatus: a merged case follows its parent's handling — open
// with a note naming the parent until the parent's reply is relayed to
// it, then closed with that reply as status_notes.
func TestMergedStatus(t *testing.T) {
	const parent = "WH-20261123-000001"
	tests := []struct {
		name   string
		c      cases.Case
		status string
		notes  string
	}{
		{"merged, waiting for the parent", cases.Case{State: cases.StateMerged, ParentID: parent}, StatusOpen, "已合并至 " + parent},
		{"merged, parent's reply relayed", cases.Case{State: cases.StateMerged, ParentID: parent, Reply: "已修复"}, StatusClosed, "已修复"},
		{"resolved", cases.Case{State: cases.StateResolved, Reply: "已处理"}, StatusClosed, "已处理"},
		{"voided", cases.Case{State: cases.StateVoided}, StatusClosed, "作废"},
		{"dispatched", cases.Case{State: cases.StateDispatched}, StatusOpen, "派单"},
	}
	for _, tt := range tests {
		if got := statusOf(&tt.c); got != tt.status {
			t.Errorf("%s: status %s, want %s", tt.name, got, tt.status)
		}
		if got := statusNotes(&tt.c); !strings.Contains(got, tt.notes) {
			t.Errorf("%s: status_notes %q lacks %q", tt.name, got, tt.notes)
		}
	}
}
