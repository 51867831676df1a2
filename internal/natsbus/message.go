package natsbus

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"yiwang/internal/cases"
)

// Message headers. Nats-Msg-Id is JetStream's dedupe key.
const (
	HeaderMsgID = jetstream.MsgIDHeader // "<caseID>/<seq>"
	// HeaderOrigin names the node that committed the event. Only the
	// committing node's live path sets it; an event that reached JetStream
	// through a sweep has none (see the package doc).
	HeaderOrigin = "Yiwang-Origin"
	// HeaderPublisher names the node that published the stored copy.
	HeaderPublisher = "Yiwang-Publisher"
	// HeaderPos is the event's position in the store's log.
	HeaderPos = "Yiwang-Pos"
)

// ErrMessage is wrapped by every message that does not decode to an event.
var ErrMessage = errors.New("malformed event message")

// MsgID is the dedupe id of an event: "<caseID>/<seq>".
func MsgID(e cases.Event) string { return e.CaseID + "/" + strconv.Itoa(e.Seq) }

// Subject is the subject an event of caseID is published to under prefix.
func Subject(prefix, caseID string) string { return prefix + "." + subjectToken(caseID) }

// subjectToken makes a case id safe as one subject token: letters, digits,
// '-' and '_' pass; every other byte becomes "~HH" (so the map is
// one-to-one and ids in the usual PREFIX-YYYYMMDD-NNNNNN form are unchanged).
func subjectToken(id string) string {
	const hex = "0123456789ABCDEF"
	if id == "" {
		return "~"
	}
	safe := true
	for i := 0; i < len(id); i++ {
		if !tokenByte(id[i]) {
			safe = false
			break
		}
	}
	if safe {
		return id
	}
	out := make([]byte, 0, len(id)+8)
	for i := 0; i < len(id); i++ {
		c := id[i]
		if tokenByte(c) {
			out = append(out, c)
			continue
		}
		out = append(out, '~', hex[c>>4], hex[c&15])
	}
	return string(out)
}

func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// encode builds the message for e. origin is empty when the publisher does
// not know which node committed e.
func encode(prefix string, e cases.Event, origin, publisher string) (*nats.Msg, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encoding event %s: %w", MsgID(e), err)
	}
	// The keys are already canonical, so the map is filled directly.
	h := nats.Header{
		HeaderMsgID:     {MsgID(e)},
		HeaderPublisher: {publisher},
		HeaderPos:       {strconv.FormatInt(e.Pos, 10)},
	}
	if origin != "" {
		h[HeaderOrigin] = []string{origin}
	}
	return &nats.Msg{Subject: Subject(prefix, e.CaseID), Data: data, Header: h}, nil
}

// decode parses a message body into an event and checks it against the
// message's dedupe id when there is one.
func decode(data []byte, msgID string) (cases.Event, error) {
	var e cases.Event
	if err := json.Unmarshal(data, &e); err != nil {
		return cases.Event{}, fmt.Errorf("%w: %w", ErrMessage, err)
	}
	if e.CaseID == "" || e.Seq < 1 {
		return cases.Event{}, fmt.Errorf("%w: case_id %q seq %d", ErrMessage, e.CaseID, e.Seq)
	}
	if msgID != "" && msgID != MsgID(e) {
		return cases.Event{}, fmt.Errorf("%w: header %s=%q but body is %s", ErrMessage, HeaderMsgID, msgID, MsgID(e))
	}
	return e, nil
}
