package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"

	"yiwang/internal/cases"
)

// lookupToken is a citizen's credential for one case: an HMAC-SHA256 of
// the case id under the server's lookup secret, base64url, 24 characters
// (144 bits). Nothing is stored: the server recomputes it to check it.
// It cannot be revoked one by one; changing the secret revokes all.
// "" when the server has no secret.
func (s *Server) lookupToken(id string) string {
	if s.secret == nil {
		return ""
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("yiwang/lookup/v1\n"))
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// validLookupToken checks tok against the case id in constant time.
func (s *Server) validLookupToken(id, tok string) bool {
	want := s.lookupToken(id)
	return want != "" && hmac.Equal([]byte(want), []byte(tok))
}

// normPhone keeps the digits of a phone number (and a leading +), dropping
// the spaces, dashes, dots and brackets people type; "" if what remains is
// not 5 to 20 digits.
func normPhone(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == '+' && i == 0:
			b.WriteRune(c)
		case c == ' ' || c == '-' || c == '(' || c == ')' || c == '.':
		default:
			return ""
		}
	}
	out := b.String()
	n := len(strings.TrimPrefix(out, "+"))
	if n < 5 || n > 20 {
		return ""
	}
	return out
}

// samePhone compares two phone numbers after normPhone, in constant time
// for equal lengths.
func samePhone(a, b string) bool {
	na, nb := normPhone(a), normPhone(b)
	if na == "" || nb == "" {
		return false
	}
	ha, hb := sha256.Sum256([]byte(na)), sha256.Sum256([]byte(nb))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// callNotePrefix starts the note of a call recorded on an existing case;
// the caller's phone number follows it up to the first space.
const callNotePrefix = "【12345来电】"

// callNote is the text of a call note: the caller's phone and name on the
// first line, what the caller said after it.
func callNote(caller cases.Reporter, text string) string {
	return callNotePrefix + caller.Phone + " " + strings.TrimSpace(caller.Name) + "\n" + text
}

// maskCallNote masks the phone number of a call note; other notes are
// returned as they are.
func maskCallNote(note string) string {
	rest, ok := strings.CutPrefix(note, callNotePrefix)
	if !ok {
		return note
	}
	phone, tail, _ := strings.Cut(rest, " ")
	return callNotePrefix + cases.Reporter{Phone: phone}.Masked().Phone + " " + tail
}

func itoa(n int) string { return strconv.Itoa(n) }
