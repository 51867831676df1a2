package alarm

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func persistentManager(t *testing.T, f *fakeCases, file string) *Manager {
	t.Helper()
	m, err := New(Options{Cases: f, MinHold: 5 * time.Minute, Now: func() time.Time { return t0 }, Storage: FileStorage(file)})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRestart: open alarms, their acknowledgement and case survive a
// restart; the rule firing again afterwards refires the same alarm (no
// second case); clearing after the restart notes the original case.
func TestRestart(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "alarms.json")
	f := &fakeCases{closed: map[string]bool{}, keys: map[string]string{}}
	m := persistentManager(t, f, file)
	m.Handle(at(0), fire("wl", true))
	m.Handle(at(1), fire("gas", true))
	m.Handle(at(2), fire("old", true))
	if err := m.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	m.Handle(at(8), fire("old", false)) // cleared: kept as recent
	if err := m.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	open := m.Open()
	if _, err := m.Ack(open[0].ID, "张三", at(2)); err != nil {
		t.Fatal(err)
	}
	m.Handle(at(3), fire("gas", false)) // within the hold: clear pending
	if err := m.Save(ctx); err != nil {
		t.Fatal(err)
	}
	want, wantRecent, wantStats := m.Open(), m.Recent(), m.Stats()

	m2 := persistentManager(t, f, file)
	if got := m2.Open(); !reflect.DeepEqual(got, want) {
		t.Fatalf("open alarms after restart:\n%+v\nwant\n%+v", got, want)
	}
	// Recent alarms are compared as the API shows them (a cleared alarm
	// needs no case template).
	if got, _ := json.Marshal(m2.Recent()); string(got) != string(must(json.Marshal(wantRecent))) || m2.Stats() != wantStats {
		t.Fatalf("recent alarms or stats differ after restart: %+v %+v", got, m2.Stats())
	}
	if got := m2.Open()[0]; got.State != Acknowledged || got.AckedBy != "张三" || got.CaseID == "" {
		t.Fatalf("acknowledged alarm after restart: %+v", got)
	}
	m2.Handle(at(4), fire("wl", true)) // the rule fires again
	m2.Tick(at(6))                     // gas's pending clear is due
	if err := m2.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if f.n != 3 {
		t.Fatalf("%d cases created in all, want 3 (one per alarm): %v", f.n, f.log)
	}
	if got := m2.Open(); len(got) != 1 || got[0].Refires != 1 || got[0].ID != want[0].ID {
		t.Fatalf("after restart and refiring: %+v", got)
	}
	if last := f.log[len(f.log)-1]; last != "note "+want[1].CaseID+" 告警已解除" {
		t.Fatalf("clearing after restart: %q, want a note on %s", last, want[1].CaseID)
	}
}

// TestRestartWithPendingCaseCall: a node that stopped after a case call
// was journaled (or saved) but before, or after, the call was made makes
// the call again on restart and gets the same case: never a second one.
func TestRestartWithPendingCaseCall(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		snapshot   bool // Save (the tick) instead of the journal
		callBefore bool // the case was created before the stop
	}{
		{"journaled, stopped before the case call", false, false},
		{"journaled, stopped after the case call", false, true},
		{"saved, stopped after the case call", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "alarms.json")
			f := &fakeCases{closed: map[string]bool{}, keys: map[string]string{}}
			m := persistentManager(t, f, file)
			m.Handle(at(0), fire("wl", true))
			save := m.journal // what Run does before each case call
			if tc.snapshot {
				save = m.Save
			}
			if err := save(ctx); err != nil {
				t.Fatal(err)
			}
			if tc.callBefore {
				if err := m.Drain(ctx); err != nil { // not saved afterwards: the process dies
					t.Fatal(err)
				}
			}
			m2 := persistentManager(t, f, file)
			if m2.Pending() != 1 || len(m2.Open()) != 1 {
				t.Fatalf("%d case calls pending and %d alarms open after restart, want 1 and 1", m2.Pending(), len(m2.Open()))
			}
			if err := m2.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			if f.n != 1 || m2.Open()[0].CaseID != "C1" {
				t.Fatalf("%d cases, alarm case %q: %v", f.n, m2.Open()[0].CaseID, f.log)
			}
		})
	}
}

// TestJournalAfterSnapshot: the journal replays on top of the snapshot,
// and records the snapshot holds already are not applied twice.
func TestJournalAfterSnapshot(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "alarms.json")
	f := &fakeCases{closed: map[string]bool{}, keys: map[string]string{}}
	m := persistentManager(t, f, file)
	m.Handle(at(0), fire("wl", true))
	m.Handle(at(0), fire("gas", true))
	if err := m.journal(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Save(ctx); err != nil { // the journal is emptied
		t.Fatal(err)
	}
	m.Handle(at(6), fire("wl", false))
	m.Handle(at(7), fire("rain", true))
	if err := m.journal(ctx); err != nil {
		t.Fatal(err)
	}
	m2 := persistentManager(t, f, file)
	var rules []string
	for _, a := range m2.Open() {
		rules = append(rules, a.Rule)
	}
	if strings.Join(rules, ",") != "gas,rain" || len(m2.Recent()) != 1 || m2.Pending() != 2 {
		t.Fatalf("open %v, %d recent, %d pending; want gas,rain, 1, 2", rules, len(m2.Recent()), m2.Pending())
	}
	// A crash between the snapshot and emptying the journal: the records
	// the snapshot holds are skipped by their sequence numbers.
	if err := m.Save(ctx); err != nil {
		t.Fatal(err)
	}
	j, _ := os.ReadFile(file + ".journal")
	if len(j) != 0 {
		t.Fatalf("journal not emptied by Save: %q", j)
	}
	if err := m.Save(ctx); err != nil {
		t.Fatal(err)
	}
	m.Handle(at(8), fire("x", true))
	if err := m.journal(ctx); err != nil {
		t.Fatal(err)
	}
	rec, _ := os.ReadFile(file + ".journal")
	m.dirty = true
	if err := m.Save(ctx); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(file+".journal", rec, 0o644) // left behind
	m3 := persistentManager(t, f, file)
	if m3.Pending() != m.Pending() || len(m3.Open()) != len(m.Open()) {
		t.Fatalf("a journal record already in the snapshot was applied again: %d pending, %d open; want %d, %d",
			m3.Pending(), len(m3.Open()), m.Pending(), len(m.Open()))
	}
}

func TestLoadBadState(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"garbage": "{", "future": `{"version": 99}`} {
		file := filepath.Join(dir, name)
		os.WriteFile(file, []byte(body), 0o644)
		m, _ := New(Options{Cases: &fakeCases{}, Storage: FileStorage(file)})
		if err := m.Load(context.Background()); err == nil {
			t.Errorf("%s state loaded without error", name)
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// failingSave rotates the journal but cannot write the snapshot.
type failingSave struct{ FileStorage }

func (failingSave) Save(context.Context, []byte) error { return errors.New("disk full") }

// TestFailedSaveKeepsJournal: a snapshot that could not be written loses
// nothing: the rotated journal and the new one are both read back, and
// the next successful save takes them in.
func TestFailedSaveKeepsJournal(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "alarms.json")
	f := &fakeCases{closed: map[string]bool{}, keys: map[string]string{}}
	m, err := New(Options{Cases: f, Now: func() time.Time { return t0 }, Storage: failingSave{FileStorage(file)}})
	if err != nil {
		t.Fatal(err)
	}
	m.Handle(at(0), fire("wl", true))
	if err := m.journal(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Save(ctx); err == nil {
		t.Fatal("the failing save reported no error")
	}
	m.Handle(at(1), fire("gas", true))
	if err := m.journal(ctx); err != nil {
		t.Fatal(err)
	}
	m2 := persistentManager(t, f, file)
	if len(m2.Open()) != 2 || m2.Pending() != 2 {
		t.Fatalf("after a failed save: %d open, %d pending; want 2 and 2", len(m2.Open()), m2.Pending())
	}
	m2.dirty = true
	if err := m2.Save(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{file + ".journal", file + ".journal.old"} {
		if b, err := os.ReadFile(name); err == nil && len(b) > 0 {
			t.Fatalf("%s left after a successful save: %q", name, b)
		}
	}
	if m3 := persistentManager(t, f, file); len(m3.Open()) != 2 || m3.Pending() != 2 {
		t.Fatalf("after the successful save: %d open, %d pending", len(m3.Open()), m3.Pending())
	}
}
