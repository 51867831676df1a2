package natsbus

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/stream"
)

func TestSubjectToken(t *testing.T) {
	tests := []struct{ id, want string }{
		{"WH-20260302-000001", "WH-20260302-000001"},
		{"a_b-C9", "a_b-C9"},
		{"", "~"},
		{"a.b", "a~2Eb"},
		{"x*", "x~2A"},
		{">", "~3E"},
		{"a b", "a~20b"},
		{"~", "~7E"},
		{"汉", "~E6~B1~89"},
	}
	for _, tt := range tests {
		if got := subjectToken(tt.id); got != tt.want {
			t.Errorf("subjectToken(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

// untoken inverts subjectToken (tests only: nothing reads subjects back).
func untoken(tok string) (string, bool) {
	if tok == "~" {
		return "", true
	}
	var b strings.Builder
	for i := 0; i < len(tok); i++ {
		if tok[i] != '~' {
			b.WriteByte(tok[i])
			continue
		}
		if i+2 >= len(tok) {
			return "", false
		}
		n, err := strconv.ParseUint(tok[i+1:i+3], 16, 8)
		if err != nil {
			return "", false
		}
		b.WriteByte(byte(n))
		i += 2
	}
	return b.String(), true
}

// The token is always one valid subject token and decodes back to the id,
// so distinct ids never share a subject.
func FuzzSubjectToken(f *testing.F) {
	for _, s := range []string{"WH-20260302-000001", "", "a.b", "~", "汉字", "a~2Eb", "*>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		tok := subjectToken(id)
		if tok == "" {
			t.Fatal("empty token")
		}
		for i := 0; i < len(tok); i++ {
			if !tokenByte(tok[i]) && tok[i] != '~' {
				t.Fatalf("token %q of %q has byte %q", tok, id, tok[i])
			}
		}
		if back, ok := untoken(tok); !ok || back != id {
			t.Fatalf("token %q of %q decodes to %q, %v", tok, id, back, ok)
		}
	})
}

func TestEncodeDecode(t *testing.T) {
	e := ev("WH-20260302-000007", 3)
	e.Pos = 42
	e.Payload = cases.Payload{Unit: "江岸区城管局", Reason: "非本单位职责"}
	m, err := encode("yiwang.events", e, "", "node-b")
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "yiwang.events.WH-20260302-000007" || m.Header.Get(HeaderMsgID) != "WH-20260302-000007/3" ||
		m.Header.Get(HeaderPos) != "42" || m.Header.Get(HeaderPublisher) != "node-b" || m.Header.Values(HeaderOrigin) != nil {
		t.Errorf("message %s headers %v", m.Subject, m.Header)
	}
	got, err := decode(m.Data, m.Header.Get(HeaderMsgID))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, e) {
		t.Errorf("decoded %+v, want %+v", got, e)
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct{ name, body, msgID string }{
		{"not json", `{"case_id":`, ""},
		{"no case", `{"seq":1}`, ""},
		{"seq zero", `{"case_id":"X","seq":0}`, ""},
		{"id mismatch", `{"case_id":"X","seq":2}`, "X/1"},
		{"array", `[]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decode([]byte(tt.body), tt.msgID); !errors.Is(err, ErrMessage) {
				t.Errorf("decode(%s) = %v, want ErrMessage", tt.body, err)
			}
		})
	}
}

// decode never panics, and what it accepts is a plausible event that
// encodes to the id it was checked against.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"case_id":"X","seq":1,"action":"note","at":"2026-03-02T09:00:00Z"}`), "X/1")
	f.Add([]byte(`{"case_id":"X","seq":1}`), "")
	f.Add([]byte(`{"case_id":"","seq":-1}`), "/-1")
	f.Add([]byte(`null`), "")
	f.Fuzz(func(t *testing.T, body []byte, msgID string) {
		e, err := decode(body, msgID)
		if err != nil {
			if !errors.Is(err, ErrMessage) {
				t.Fatalf("error %v does not wrap ErrMessage", err)
			}
			return
		}
		if e.CaseID == "" || e.Seq < 1 {
			t.Fatalf("accepted %+v", e)
		}
		if msgID != "" && MsgID(e) != msgID {
			t.Fatalf("accepted %s under id %q", MsgID(e), msgID)
		}
		if _, err := encode("p", e, "", "n"); err != nil {
			t.Fatalf("accepted event does not encode: %v", err)
		}
	})
}

func TestOptions(t *testing.T) {
	src, bus := &memLog{}, stream.New()
	h := func(cases.Event) error { return nil }
	pub := func(mod func(*PublisherOptions)) error {
		o := PublisherOptions{Node: "n1", Source: src, Bus: bus}
		mod(&o)
		_, err := NewPublisher(o)
		return err
	}
	fol := func(mod func(*FollowerOptions)) error {
		o := FollowerOptions{Node: "n1", Handler: h}
		mod(&o)
		_, err := NewFollower(o)
		return err
	}
	tests := []struct {
		name string
		err  error
		ok   bool
	}{
		{"publisher defaults", pub(func(*PublisherOptions) {}), true},
		{"publisher no node", pub(func(o *PublisherOptions) { o.Node = "" }), false},
		{"publisher dotted node", pub(func(o *PublisherOptions) { o.Node = "a.b" }), false},
		{"publisher no source", pub(func(o *PublisherOptions) { o.Source = nil }), false},
		{"publisher no bus", pub(func(o *PublisherOptions) { o.Bus = nil }), false},
		{"publisher bad stream", pub(func(o *PublisherOptions) { o.Stream = "A B" }), false},
		{"publisher bad subject", pub(func(o *PublisherOptions) { o.Subject = "a.>" }), false},
		{"publisher trailing dot", pub(func(o *PublisherOptions) { o.Subject = "a." }), false},
		{"publisher window too short", pub(func(o *PublisherOptions) { o.Duplicates = 3 * DefaultSweepInterval }), false},
		{"publisher negative interval", pub(func(o *PublisherOptions) { o.SweepInterval = -1 }), false},
		{"follower defaults", fol(func(*FollowerOptions) {}), true},
		{"follower no handler", fol(func(o *FollowerOptions) { o.Handler = nil }), false},
		{"follower bad durable", fol(func(o *FollowerOptions) { o.Durable = "x.y" }), false},
		{"follower short ack wait", fol(func(o *FollowerOptions) { o.AckWait = 10 }), false},
	}
	for _, tt := range tests {
		if tt.ok && tt.err != nil {
			t.Errorf("%s: %v", tt.name, tt.err)
		}
		if !tt.ok && !errors.Is(tt.err, ErrOptions) {
			t.Errorf("%s: err %v, want ErrOptions", tt.name, tt.err)
		}
	}
}
