package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/situation"
	"yiwang/internal/store"
	"yiwang/internal/store/sqlstore"
)

// syncBuffer is a log destination safe for the node's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSituationSavedAcrossRestarts: a node saves its situation aggregates
// in the store when it closes; the next node loads them and catches up
// with what was written after (here straight into the store, behind every
// node's back); a corrupt saved copy is ignored with a warning and the
// aggregates rebuilt. Each time the figures equal a rebuild from the log.
func TestSituationSavedAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	db := "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, situation.Shanghai)
	logs := &syncBuffer{}
	open := func() *Node {
		t.Helper()
		logs.reset()
		n, err := Open(ctx, Options{DB: db, Logger: slog.New(slog.NewTextHandler(logs, nil)), Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	figures := func(a *situation.Aggregates) string {
		b, err := json.Marshal(a.Snapshot("", []string{"420106", "420102"}, 5, now))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// sameAsRebuild checks n's aggregates, just opened, against a rebuild
	// from n's store.
	sameAsRebuild := func(n *Node) {
		t.Helper()
		rebuilt, _, err := situation.Restore(ctx, nil, n.Store, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := figures(n.Situation), figures(rebuilt); got != want {
			t.Fatalf("figures differ from a rebuild:\n got %s\nwant %s", got, want)
		}
	}
	behindTheBack := func(f func(s *sqlstore.Store)) {
		t.Helper()
		s, err := sqlstore.Open(ctx, db, sqlstore.Options{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		f(s)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}

	n := open()
	for _, title := range []string{"路灯不亮", "井盖缺失", "噪音扰民"} {
		if code, c := post(t, asAdmin(t, n), `{"channel":"hotline","title":"`+title+`","category":"01","location":{"lat":30.5431,"lon":114.3160}}`); code != http.StatusCreated {
			t.Fatalf("create: %d %v", code, c)
		}
	}
	// The follower applies the stream asynchronously; catch up so that
	// the save at Close covers every event.
	if err := n.Situation.CatchUp(ctx, n.Store); err != nil {
		t.Fatal(err)
	}
	saved := n.Situation.LastPos()
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}

	behindTheBack(func(s *sqlstore.Store) {
		if _, _, err := s.Create(ctx, store.CreateRequest{Case: cases.NewCase{Channel: cases.ChannelWeb, Title: "违章停车",
			Category: "01", Location: cases.Location{District: "420102"}}, Actor: "test"}); err != nil {
			t.Fatal(err)
		}
	})
	n = open()
	if l := logs.String(); !strings.Contains(l, "from_saved=true saved_pos="+strconv.FormatInt(saved, 10)+" caught_up_events=1") {
		t.Fatalf("the second node did not load the saved aggregates and catch up one event:\n%s", l)
	}
	sameAsRebuild(n)
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}

	behindTheBack(func(s *sqlstore.Store) {
		cur, err := s.GetDocument(ctx, situation.DocumentName)
		if err != nil {
			t.Fatal(err)
		}
		body := bytes.Clone(cur.Body)
		body[len(body)-1] ^= 0xff
		if _, err := s.PutDocument(ctx, store.Document{Name: situation.DocumentName, Body: body, UpdatedBy: "test"}, cur.Version); err != nil {
			t.Fatal(err)
		}
	})
	n = open()
	defer n.Close()
	if l := logs.String(); !strings.Contains(l, "level=WARN") || !strings.Contains(l, "checksum") || !strings.Contains(l, "from_saved=false") {
		t.Fatalf("a corrupt saved copy was not reported and rebuilt:\n%s", l)
	}
	sameAsRebuild(n)
}
