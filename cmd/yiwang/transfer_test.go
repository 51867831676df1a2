package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/cases/casestest"
	"yiwang/internal/store"
	"yiwang/internal/store/sqlstore"
)

// TestExportImportRoundTrip exports a store with random histories through
// the command and imports the file into an empty store: every case and
// every history must come back the same.
func TestExportImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := "sqlite:" + filepath.Join(dir, "src.db")
	st, err := sqlstore.Open(ctx, src, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	var hs [][]cases.Event
	for i := range 40 {
		id := "WH-20261101-" + strings.Repeat("0", 5) + string(rune('0'+i%10)) + string(rune('a'+i/10))
		_, h, err := casestest.History(r, id, time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), r.IntN(15))
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	if err := st.Import(ctx, hs); err != nil {
		t.Fatal(err)
	}
	st.Close()

	file := filepath.Join(dir, "events.jsonl")
	var stderr bytes.Buffer
	if err := run(ctx, []string{"export", "--db", src, file}, io.Discard, &stderr); err != nil {
		t.Fatalf("export: %v (%s)", err, stderr.String())
	}
	dst := "sqlite:" + filepath.Join(dir, "dst.db")
	var out bytes.Buffer
	if err := run(ctx, []string{"import", "--db", dst, file}, &out, &stderr); err != nil {
		t.Fatalf("import: %v (%s)", err, stderr.String())
	}
	if !strings.Contains(out.String(), "imported 40 cases") {
		t.Errorf("import said %q", out.String())
	}
	a, _ := sqlstore.Open(ctx, src, sqlstore.Options{})
	b, _ := sqlstore.Open(ctx, dst, sqlstore.Options{})
	defer a.Close()
	defer b.Close()
	for _, h := range hs {
		id := h[0].CaseID
		ha, err1 := a.History(ctx, id)
		hb, err2 := b.History(ctx, id)
		if err1 != nil || err2 != nil {
			t.Fatalf("history %s: %v %v", id, err1, err2)
		}
		for i := range ha {
			ha[i].Pos, hb[i].Pos = 0, 0
		}
		if !reflect.DeepEqual(ha, hb) {
			t.Fatalf("history of %s differs after export/import", id)
		}
	}
	// importing the same file again refuses the existing ids and changes nothing
	if err := run(ctx, []string{"import", "--db", dst, file}, io.Discard, &stderr); err == nil {
		t.Error("second import of the same cases succeeded")
	}
	page, err := b.List(ctx, store.Filter{Limit: 1000})
	if err != nil || len(page.Cases) != 40 {
		t.Errorf("after refused re-import: %d cases, %v", len(page.Cases), err)
	}
}

func TestImportRejectsBadFiles(t *testing.T) {
	good, _ := json.Marshal(cases.NewCreate("WH-20261101-000001", casestest.NewCase(), "a", "", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)))
	tests := map[string]string{
		"not json":      "{nope\n",
		"unknown field": `{"case_id":"WH-1","seq":1,"colour":"red"}` + "\n",
		"no case id":    `{"seq":1,"action":"create"}` + "\n",
		"gap":           string(good) + "\n" + strings.Replace(string(good), `"seq":1`, `"seq":3`, 1) + "\n",
	}
	for name, in := range tests {
		if _, err := readHistories(strings.NewReader(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	hs, err := readHistories(strings.NewReader(string(good) + "\n\n"))
	if err != nil || len(hs) != 1 {
		t.Errorf("good file: %v, %d histories", err, len(hs))
	}
}

func FuzzReadHistories(f *testing.F) {
	good, _ := json.Marshal(cases.NewCreate("WH-20261101-000001", casestest.NewCase(), "a", "", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)))
	f.Add(string(good) + "\n")
	f.Add("{}\n{}")
	f.Fuzz(func(t *testing.T, in string) {
		hs, err := readHistories(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, h := range hs {
			if _, err := cases.Replay(h); err != nil {
				t.Fatalf("accepted a history that does not replay: %v", err)
			}
		}
	})
}
