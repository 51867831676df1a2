package attach

import (
	"encoding/xml"
	"fmt"
	"strings"
	"unicode/utf8"
)

// S3Error is a refused S3 request: the HTTP status and, when the store
// sent its XML error document, the code and message in it
// (SignatureDoesNotMatch, AccessDenied, NoSuchBucket, …).
type S3Error struct {
	Status  int
	Code    string
	Message string
}

func (e *S3Error) Error() string {
	switch {
	case e.Code != "" && e.Message != "":
		return fmt.Sprintf("status %d %s: %s", e.Status, e.Code, e.Message)
	case e.Code != "":
		return fmt.Sprintf("status %d %s", e.Status, e.Code)
	}
	return fmt.Sprintf("status %d", e.Status)
}

// parseS3Error reads <Error><Code>…</Code><Message>…</Message></Error>.
// Anything else (an HTML page from a proxy, garbage) yields an empty code
// and message; the fields are trimmed and cut to 200 runes, since they end
// up in logs.
func parseS3Error(body []byte) *S3Error {
	var doc struct {
		XMLName xml.Name `xml:"Error"`
		Code    string   `xml:"Code"`
		Message string   `xml:"Message"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return &S3Error{}
	}
	return &S3Error{Code: clip(doc.Code), Message: clip(doc.Message)}
}

func clip(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	if utf8.RuneCountInString(s) <= 200 {
		return s
	}
	return string([]rune(s)[:200]) + "…"
}
