package situation

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store/memstore"
)

// sliceLog is an event log in memory.
type sliceLog []cases.Event

func (l sliceLog) Events(_ context.Context, after int64, limit int) ([]cases.Event, error) {
	var out []cases.Event
	for _, e := range l {
		if e.Pos > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

// memSaved is a SavedStore in memory that counts its writes.
type memSaved struct {
	mu     sync.Mutex
	b      []byte
	writes int
	wrote  chan int64 // the position of each write, when not nil
}

func (m *memSaved) ReadSaved(context.Context) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.b == nil {
		return nil, ErrNoSaved
	}
	return bytes.Clone(m.b), nil
}

func (m *memSaved) WriteSaved(_ context.Context, b []byte) error {
	m.mu.Lock()
	m.b = bytes.Clone(b)
	m.writes++
	m.mu.Unlock()
	if m.wrote != nil {
		pos, _ := SavedPos(b)
		m.wrote <- pos
	}
	return nil
}

func saveBytes(t *testing.T, a *Aggregates) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := a.Save(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSavedThenCaughtUpEqualsRebuild: aggregates saved at any point of the
// log, loaded and caught up with the rest give the same figures as a
// rebuild from the whole log and as the oracle, for every area, at
// instants that move on and go back.
func TestSavedThenCaughtUpEqualsRebuild(t *testing.T) {
	end := time.Date(2026, 3, 10, 9, 30, 0, 0, Shanghai)
	children := map[string][]string{"": {"D1", "D2", "D3"}, "D1": {"D1S1", "D1S2"}, "D1S1": {"D1S1G1", "D1S1G2"}, "D2S1G1": nil, "nowhere": nil}
	for seed := range uint64(4) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 11))
			log := randomLog(t, r, 250, end)
			rebuilt := New()
			if err := rebuilt.Apply(log...); err != nil {
				t.Fatal(err)
			}
			for _, cut := range []int{0, 1, len(log) / 3, len(log) / 2, len(log) - 1, len(log)} {
				a := New()
				if err := a.Apply(log[:cut]...); err != nil {
					t.Fatal(err)
				}
				// A screen read before saving moves the overdue mark, so the
				// saved copy carries overdue flags and a deadline heap.
				a.Snapshot("", nil, 3, end.Add(-30*time.Hour))
				b, err := Load(saveBytes(t, a))
				if err != nil {
					t.Fatalf("cut %d: %v", cut, err)
				}
				if got := b.LastPos(); got != a.LastPos() {
					t.Fatalf("cut %d: loaded LastPos %d, saved %d", cut, got, a.LastPos())
				}
				// The catch-up overlaps the saved part, as a restart's does.
				if err := b.Apply(log[max(0, cut-5):]...); err != nil {
					t.Fatal(err)
				}
				for _, off := range []time.Duration{-20 * time.Hour, 0, -2 * time.Hour, 30 * time.Hour} {
					now := end.Add(off)
					for area, kids := range children {
						got, fresh := dump(b.Snapshot(area, kids, 3, now)), dump(rebuilt.Snapshot(area, kids, 3, now))
						if got != fresh {
							t.Fatalf("cut %d area %q at %v: saved+caught up differs from the rebuild:\n got %s\nwant %s", cut, area, now, got, fresh)
						}
						if want := dump(naiveSnapshot(log, area, kids, 3, now)); got != want {
							t.Fatalf("cut %d area %q at %v: differs from the oracle:\n got %s\nwant %s", cut, area, now, got, want)
						}
					}
				}
			}
		})
	}
}

// TestSaveWhileApplying: events applied while a save encodes (it holds
// the lock only to copy the state) change neither the saved copy nor the
// live aggregates' figures; run with -race, it also shows the copy on
// write leaves the encoder alone.
func TestSaveWhileApplying(t *testing.T) {
	end := time.Date(2026, 3, 10, 9, 30, 0, 0, Shanghai)
	log := randomLog(t, rand.New(rand.NewPCG(4, 4)), 300, end)
	half := len(log) / 2
	a := New()
	if err := a.Apply(log[:half]...); err != nil {
		t.Fatal(err)
	}
	want := New()
	if err := want.Apply(log[:half]...); err != nil {
		t.Fatal(err)
	}
	wantHalf := dump(want.Snapshot("D1", []string{"D1S1", "D1S2"}, 3, end))
	saved := make(chan []byte, 2)
	for range 2 { // two saves at once take turns
		go func() {
			var buf bytes.Buffer
			if _, err := a.Save(&buf); err != nil {
				t.Error(err)
			}
			saved <- buf.Bytes()
		}()
	}
	for i := half; i < len(log); i++ {
		if err := a.Apply(log[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := want.Apply(log[half:]...); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		b, err := Load(<-saved)
		if err != nil {
			t.Fatal(err)
		}
		// The copy holds some prefix of the log: catching up gives the
		// whole; a copy taken before any of the second half equals it.
		if b.LastPos() == log[half-1].Pos {
			if got := dump(b.Snapshot("D1", []string{"D1S1", "D1S2"}, 3, end)); got != wantHalf {
				t.Errorf("copy saved at the half differs from the half:\n got %s\nwant %s", got, wantHalf)
			}
		}
		if err := b.Apply(log...); err != nil {
			t.Fatal(err)
		}
		if got, w := dump(b.Snapshot("D1", []string{"D1S1", "D1S2"}, 3, end)), dump(want.Snapshot("D1", []string{"D1S1", "D1S2"}, 3, end)); got != w {
			t.Errorf("saved during applying, then caught up: differs from the rebuild:\n got %s\nwant %s", got, w)
		}
	}
	if got, w := dump(a.Snapshot("", []string{"D1", "D2"}, 3, end)), dump(want.Snapshot("", []string{"D1", "D2"}, 3, end)); got != w {
		t.Errorf("aggregates applied during the saves differ from the rebuild:\n got %s\nwant %s", got, w)
	}
}

func TestLoadRefuses(t *testing.T) {
	end := time.Date(2026, 3, 10, 9, 30, 0, 0, Shanghai)
	log := randomLog(t, rand.New(rand.NewPCG(3, 3)), 40, end)
	a := New()
	if err := a.Apply(log...); err != nil {
		t.Fatal(err)
	}
	good := saveBytes(t, a)
	if _, err := Load(good); err != nil {
		t.Fatalf("intact copy: %v", err)
	}
	edit := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "not saved aggregates"},
		{"other file", []byte("SQLite format 3\x00" + strings.Repeat("x", 100)), "not saved aggregates"},
		{"older format", edit(func(b []byte) []byte { binary.BigEndian.PutUint32(b[8:], SavedFormat-1); return b }), "format 0"},
		{"newer format", edit(func(b []byte) []byte { binary.BigEndian.PutUint32(b[8:], SavedFormat+1); return b }), "format 2"},
		{"truncated", good[:len(good)-10], "header says"},
		{"trailing bytes", append(bytes.Clone(good), 0), "header says"},
		{"flipped payload byte", edit(func(b []byte) []byte { b[len(b)/2+savedHeaderLen/2] ^= 1; return b }), "checksum"},
		{"flipped checksum byte", edit(func(b []byte) []byte { b[savedHeaderLen-1] ^= 1; return b }), "checksum"},
		{"header position edited", edit(func(b []byte) []byte { binary.BigEndian.PutUint64(b[12:], 7); return b }), "header covers position 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.b)
			if !errors.Is(err, ErrSavedInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load = %v; want ErrSavedInvalid mentioning %q", err, tt.want)
			}
		})
	}
}

func TestRestore(t *testing.T) {
	ctx := context.Background()
	end := time.Date(2026, 3, 10, 9, 30, 0, 0, Shanghai)
	log := sliceLog(randomLog(t, rand.New(rand.NewPCG(5, 5)), 120, end))
	half := len(log) / 2
	var warned bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&warned, nil))
	want := New()
	if err := want.Apply(log...); err != nil {
		t.Fatal(err)
	}
	check := func(name string, a *Aggregates, info, wantInfo Restored) {
		t.Helper()
		if info != wantInfo {
			t.Errorf("%s: %+v, want %+v", name, info, wantInfo)
		}
		if got, w := dump(a.Snapshot("D1", []string{"D1S1"}, 3, end)), dump(want.Snapshot("D1", []string{"D1S1"}, 3, end)); got != w {
			t.Errorf("%s: figures differ from the rebuild:\n got %s\nwant %s", name, got, w)
		}
	}

	saved := &memSaved{}
	a, info, err := Restore(ctx, saved, log, logger)
	if err != nil {
		t.Fatal(err)
	}
	check("nothing saved", a, info, Restored{CaughtUp: int64(len(log))})

	part := New()
	if err := part.Apply(log[:half]...); err != nil {
		t.Fatal(err)
	}
	if pos, size, err := part.SaveTo(ctx, saved); err != nil || pos != log[half-1].Pos || size < savedHeaderLen {
		t.Fatalf("SaveTo = %d, %d, %v", pos, size, err)
	}
	a, info, err = Restore(ctx, saved, log, logger)
	if err != nil {
		t.Fatal(err)
	}
	check("saved half", a, info, Restored{FromSaved: true, SavedPos: log[half-1].Pos, CaughtUp: int64(len(log) - half)})
	if warned.Len() != 0 {
		t.Errorf("a usable copy logged %s", warned.String())
	}

	// A copy of another log (same positions, other events) is ignored.
	other := sliceLog(randomLog(t, rand.New(rand.NewPCG(6, 6)), 120, end.Add(time.Hour)))
	a, info, err = Restore(ctx, saved, other, logger)
	if err != nil {
		t.Fatal(err)
	}
	if info.FromSaved || !strings.Contains(info.Ignored, "the log has no event") || a.LastPos() != other[len(other)-1].Pos {
		t.Errorf("copy of another log: %+v, LastPos %d", info, a.LastPos())
	}
	// So is a log shorter than the copy (the database was replaced).
	if _, info, _ = Restore(ctx, saved, log[:half-1], logger); info.FromSaved {
		t.Errorf("copy beyond the log's end used: %+v", info)
	}

	// A corrupt copy is ignored with a warning, and rebuilt.
	warned.Reset()
	saved.b[len(saved.b)-1] ^= 0xff
	a, info, err = Restore(ctx, saved, log, logger)
	if err != nil {
		t.Fatal(err)
	}
	check("corrupt", a, info, Restored{CaughtUp: int64(len(log)), Ignored: info.Ignored})
	if !strings.Contains(info.Ignored, "checksum") || !strings.Contains(warned.String(), "level=WARN") {
		t.Errorf("corrupt copy: ignored %q, log %q", info.Ignored, warned.String())
	}
}

func TestKeepSaved(t *testing.T) {
	end := time.Date(2026, 3, 10, 9, 30, 0, 0, Shanghai)
	log := randomLog(t, rand.New(rand.NewPCG(8, 8)), 30, end)
	a := New()
	if err := a.Apply(log[:10]...); err != nil {
		t.Fatal(err)
	}
	saved := &memSaved{wrote: make(chan int64, 10)}
	tick := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	since := a.LastPos() // as if restored from a copy at this position
	go func() { a.KeepSaved(ctx, saved, tick, since, nil); close(done) }()

	tick <- end // nothing new: no write
	if err := a.Apply(log[10:20]...); err != nil {
		t.Fatal(err)
	}
	tick <- end
	if pos := <-saved.wrote; pos != log[19].Pos {
		t.Fatalf("saved at %d, want %d", pos, log[19].Pos)
	}
	tick <- end // nothing new again
	if err := a.Apply(log[20:]...); err != nil {
		t.Fatal(err)
	}
	cancel() // the final save
	<-done
	if pos := <-saved.wrote; pos != log[len(log)-1].Pos {
		t.Fatalf("final save at %d, want %d", pos, log[len(log)-1].Pos)
	}
	if saved.writes != 2 {
		t.Errorf("%d writes, want 2 (one per move, none while idle)", saved.writes)
	}
}

// TestSavedStores round-trips saved bytes through a file and a store
// document, and reads "nothing saved" from both before.
func TestSavedStores(t *testing.T) {
	ctx := context.Background()
	st := memstore.New(memstore.Options{})
	defer st.Close()
	for name, s := range map[string]SavedStore{
		"file":     FileSaved{Path: filepath.Join(t.TempDir(), "situation.saved")},
		"document": DocumentSaved{Store: st, Name: DocumentName},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := s.ReadSaved(ctx); !errors.Is(err, ErrNoSaved) {
				t.Fatalf("before any save: %v, want ErrNoSaved", err)
			}
			for _, body := range [][]byte{[]byte("first copy"), []byte("second, longer copy")} {
				if err := s.WriteSaved(ctx, body); err != nil {
					t.Fatal(err)
				}
				got, err := s.ReadSaved(ctx)
				if err != nil || !bytes.Equal(got, body) {
					t.Fatalf("read back %q, %v; want %q", got, err, body)
				}
			}
		})
	}
	if d, err := st.GetDocument(ctx, DocumentName); err != nil || d.Version != 2 {
		t.Errorf("document after two saves: version %d, %v", d.Version, err)
	}
}

func FuzzLoad(f *testing.F) {
	a := New()
	log := randomLog(f, rand.New(rand.NewPCG(1, 1)), 5, time.Date(2026, 3, 10, 9, 30, 0, 0, Shanghai))
	if err := a.Apply(log...); err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := a.Save(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(savedMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Load(b)
		if err != nil {
			if !errors.Is(err, ErrSavedInvalid) {
				t.Fatalf("Load error %v is not ErrSavedInvalid", err)
			}
			return
		}
		// Whatever loads must answer the screen without panicking.
		a.Snapshot("", nil, 3, time.Date(2026, 3, 10, 9, 30, 0, 0, Shanghai))
	})
}
