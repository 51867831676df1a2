package demo

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"yiwang/internal/cases"
)

//go:embed data/messages.csv.gz
var messagesGz []byte

// ErrBadData is wrapped by every error about a malformed message file.
var ErrBadData = errors.New("bad demo message data")

// Set names the source file of the 2020 TipDM Cup data a message comes from.
type Set string

// The three source files (see data/NOTICE).
const (
	SetReplies Set = "replies" // messages_with_replies.csv: answered, with the official reply
	SetLabeled Set = "labeled" // messages_labeled.csv: with their first-level category
	SetSupport Set = "support" // messages_with_support.csv: with support/against votes
)

// China Standard Time: the source timestamps carry no zone and are local times.
var cst = time.FixedZone("CST", 8*3600)

// sourceTimeLayout is how the source writes times (China Standard Time).
const sourceTimeLayout = "2006-01-02 15:04:05"

// Message is one real citizen message of the embedded data set. Times are
// the original ones (2011–2020), in China Standard Time.
type Message struct {
	ID        string
	Set       Set
	Title     string
	Body      string // truncated to 1,500 characters by the build (marked with a trailing …)
	CreatedAt time.Time
	Reply     string    // official reply (SetReplies only)
	RepliedAt time.Time // zero unless Reply is set
	Level1    string    // first-level category name (SetLabeled only)
	Support   int
	Against   int
}

// messageHeader is the column list of data/messages.csv.gz.
var messageHeader = []string{"id", "set", "title", "created_at", "body", "reply", "replied_at", "level1", "support", "against"}

// Messages returns the embedded messages in file order (by id).
func Messages() ([]Message, error) {
	zr, err := gzip.NewReader(bytes.NewReader(messagesGz))
	if err != nil {
		return nil, fmt.Errorf("opening embedded messages: %w", err)
	}
	defer zr.Close()
	return ParseMessages(zr)
}

// ParseMessages reads messages in the format of data/messages.csv.gz
// (uncompressed). Every row must have a unique id, a known set, a title, a
// valid creation time, valid UTF-8, and a reply with its time exactly when
// the set is SetReplies.
func ParseMessages(r io.Reader) ([]Message, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(messageHeader)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading message header: %w: %w", ErrBadData, err)
	}
	if strings.Join(head, ",") != strings.Join(messageHeader, ",") {
		return nil, fmt.Errorf("message header is %q, want %q: %w", strings.Join(head, ","), strings.Join(messageHeader, ","), ErrBadData)
	}
	var out []Message
	seen := map[string]bool{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading messages: %w: %w", ErrBadData, err)
		}
		line, _ := cr.FieldPos(0)
		m, err := parseRecord(rec)
		if err != nil {
			return nil, fmt.Errorf("message line %d: %w", line, err)
		}
		if seen[m.ID] {
			return nil, fmt.Errorf("message line %d: duplicate id %q: %w", line, m.ID, ErrBadData)
		}
		seen[m.ID] = true
		out = append(out, m)
	}
}

func parseRecord(rec []string) (Message, error) {
	for i, f := range rec {
		if !utf8.ValidString(f) || strings.ContainsRune(f, 0) {
			return Message{}, fmt.Errorf("column %s is not valid text: %w", messageHeader[i], ErrBadData)
		}
	}
	m := Message{ID: rec[0], Set: Set(rec[1]), Title: strings.TrimSpace(rec[2]), Body: strings.TrimSpace(rec[4]),
		Reply: strings.TrimSpace(rec[5]), Level1: strings.TrimSpace(rec[7])}
	if m.ID == "" {
		return Message{}, fmt.Errorf("empty id: %w", ErrBadData)
	}
	if m.Set != SetReplies && m.Set != SetLabeled && m.Set != SetSupport {
		return Message{}, fmt.Errorf("id %s: unknown set %q: %w", m.ID, m.Set, ErrBadData)
	}
	if m.Title == "" || utf8.RuneCountInString(m.Title) > cases.MaxTitle {
		return Message{}, fmt.Errorf("id %s: title must have 1 to %d characters: %w", m.ID, cases.MaxTitle, ErrBadData)
	}
	var err error
	if m.CreatedAt, err = time.ParseInLocation(sourceTimeLayout, rec[3], cst); err != nil {
		return Message{}, fmt.Errorf("id %s: created_at: %w: %w", m.ID, ErrBadData, err)
	}
	if (m.Set == SetReplies) != (m.Reply != "") || (m.Reply != "") != (rec[6] != "") {
		return Message{}, fmt.Errorf("id %s: reply and replied_at are required exactly for set %s: %w", m.ID, SetReplies, ErrBadData)
	}
	if rec[6] != "" {
		if m.RepliedAt, err = time.ParseInLocation(sourceTimeLayout, rec[6], cst); err != nil {
			return Message{}, fmt.Errorf("id %s: replied_at: %w: %w", m.ID, ErrBadData, err)
		}
		if m.RepliedAt.Before(m.CreatedAt) {
			return Message{}, fmt.Errorf("id %s: replied before it was created: %w", m.ID, ErrBadData)
		}
	}
	if (m.Set == SetLabeled) != (m.Level1 != "") {
		return Message{}, fmt.Errorf("id %s: level1 is required exactly for set %s: %w", m.ID, SetLabeled, ErrBadData)
	}
	if m.Support, err = count(rec[8]); err != nil {
		return Message{}, fmt.Errorf("id %s: support: %w", m.ID, err)
	}
	if m.Against, err = count(rec[9]); err != nil {
		return Message{}, fmt.Errorf("id %s: against: %w", m.ID, err)
	}
	return m, nil
}

// count parses an optional non-negative vote count ("" is 0).
func count(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1_000_000 {
		return 0, fmt.Errorf("%q is not a vote count: %w", s, ErrBadData)
	}
	return n, nil
}
