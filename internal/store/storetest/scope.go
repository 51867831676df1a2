package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// testScope checks Filter.Scope (lead unit in a set OR location inside an
// area prefix) against store.Scope.Match, on nested and broken locations,
// alone and combined with other filters.
func testScope(t *testing.T, open Opener) {
	s := open(t, nil)
	locs := []cases.Location{
		{District: "420102", Street: "420102002", Community: "420102002001", Grid: "420102002001001"},
		{District: "420102", Street: "420102003"},
		{District: "420106", Street: "420106002"},
		{District: "420106"},
		{District: "420102", Street: "420106002"}, // street outside its district (broken)
		{District: "420111", Grid: "网格 7"},        // not plain ASCII (broken)
		{},
		{District: "4201020"},
	}
	units := []string{"", "u-a", "u-b", "u-a.sub", "u-c"}
	var all []cases.Case
	for i, l := range locs {
		for j, u := range units {
			n := simpleCase(fmt.Sprint("范围 ", i, " ", j))
			n.Location = l
			c := mustCreate(t, s, n, t0.Add(time.Duration(i*len(units)+j)*time.Minute))
			if u != "" {
				c = mustTransition(t, s, c.ID, cases.Command{Action: cases.ActionDispatch, Payload: cases.Payload{Unit: u}}, t0.Add(time.Hour))
			}
			all = append(all, c)
		}
	}
	slices.Reverse(all)
	scopes := []store.Scope{
		{},
		{Units: []string{"u-a"}},
		{Units: []string{"u-a", "u-a.sub"}},
		{Areas: []string{"420102"}},
		{Areas: []string{"4201"}},
		{Areas: []string{"420106002"}},
		{Areas: []string{"420102002001"}},
		{Areas: []string{"网格"}},
		{Units: []string{"u-b"}, Areas: []string{"420106"}},
		{Units: []string{"nobody"}, Areas: []string{"9"}},
	}
	for _, sc := range scopes {
		want := oracle(all, func(c *cases.Case) bool { return sc.Match(c.Unit, c.Location) })
		if got := listIDs(t, s, store.Filter{Scope: &sc}); !slices.Equal(got, want) {
			t.Errorf("scope %+v: got %v, want %v", sc, got, want)
		}
		want = oracle(all, func(c *cases.Case) bool { return sc.Match(c.Unit, c.Location) && c.State == cases.StateReceived })
		if got := listIDs(t, s, store.Filter{Scope: &sc, States: []cases.State{cases.StateReceived}}); !slices.Equal(got, want) {
			t.Errorf("scope %+v with state received: got %v, want %v", sc, got, want)
		}
	}
	// The oracle itself must select something for the test to mean anything.
	if n := len(oracle(all, func(c *cases.Case) bool { return (&store.Scope{Units: []string{"u-a"}}).Match(c.Unit, c.Location) })); n != len(locs) {
		t.Fatalf("unit u-a leads %d cases, want %d", n, len(locs))
	}
}

// testDocumentList checks ListDocuments' prefix, order and paging, and
// DeleteDocument.
func testDocumentList(t *testing.T, open Opener) {
	s := open(t, nil)
	names := []string{"auth/user/bob", "auth/user/al-ice", "auth/user/alice", "auth/useq", "auth/user", "auth/userz", "auth/user/z.9", "b", "auth/audit/0001"}
	for i, n := range names {
		if _, err := s.PutDocument(ctxT(t), store.Document{Name: n, Body: []byte(fmt.Sprint(i)), UpdatedBy: "t", UpdatedAt: t0}, 0); err != nil {
			t.Fatal(err)
		}
	}
	names2 := func(ds []store.Document) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.Name)
		}
		return out
	}
	want := []string{"auth/user/al-ice", "auth/user/alice", "auth/user/bob", "auth/user/z.9"}
	got, err := s.ListDocuments(ctxT(t), "auth/user/", "", 100)
	if err != nil || !slices.Equal(names2(got), want) {
		t.Fatalf("list auth/user/: %v, %v; want %v", names2(got), err, want)
	}
	if got[2].Version != 1 || !bytes.Equal(got[2].Body, []byte("0")) || got[2].UpdatedBy != "t" || !got[2].UpdatedAt.Equal(t0) {
		t.Errorf("listed document: %+v", got[2])
	}
	// Paging: two at a time, continuing after the last name.
	var paged []string
	after := ""
	for range 5 {
		page, err := s.ListDocuments(ctxT(t), "auth/user/", after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, names2(page)...)
		after = page[len(page)-1].Name
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged: %v, want %v", paged, want)
	}
	if got, err := s.ListDocuments(ctxT(t), "", "auth/userz", 100); err != nil || !slices.Equal(names2(got), []string{"b"}) {
		t.Errorf("everything after auth/userz: %v, %v", names2(got), err)
	}
	if got, err := s.ListDocuments(ctxT(t), "nothing/", "", 10); err != nil || len(got) != 0 {
		t.Errorf("empty prefix range: %v, %v", names2(got), err)
	}
	for _, limit := range []int{0, -1, store.MaxDocumentPage + 1} {
		if _, err := s.ListDocuments(ctxT(t), "", "", limit); !errors.Is(err, cases.ErrInvalid) {
			t.Errorf("limit %d: err = %v, want ErrInvalid", limit, err)
		}
	}
	// Delete.
	if err := s.DeleteDocument(ctxT(t), "auth/user/bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetDocument(ctxT(t), "auth/user/bob"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get after delete: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteDocument(ctxT(t), "auth/user/bob"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: err = %v, want ErrNotFound", err)
	}
	if got, _ := s.ListDocuments(ctxT(t), "auth/user/", "", 100); slices.Contains(names2(got), "auth/user/bob") {
		t.Errorf("deleted document still listed: %v", names2(got))
	}
	if d, err := s.PutDocument(ctxT(t), store.Document{Name: "auth/user/bob", Body: []byte("again")}, 0); err != nil || d.Version != 1 {
		t.Errorf("put after delete: %+v, %v; want version 1", d, err)
	}
}
