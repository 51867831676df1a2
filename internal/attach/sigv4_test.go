package attach

import (
	"encoding/hex"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// The example credential of the AWS documentation and of the AWS
// Signature Version 4 test suite.
const (
	exampleAccessKey = "AKIDEXAMPLE"
	exampleSecret    = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

// TestSigningKeyPublishedExample checks the key derivation against the
// example of the AWS documentation ("Examples of how to derive a signing
// key for Signature Version 4": 20120215, us-east-1, iam).
func TestSigningKeyPublishedExample(t *testing.T) {
	got := hex.EncodeToString(signingKey(exampleSecret, "20120215", "us-east-1", "iam"))
	const want = "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
	if got != want {
		t.Fatalf("signing key = %s, want %s", got, want)
	}
}

// TestSignGetVanilla reproduces the "get-vanilla" case of the AWS
// Signature Version 4 test suite: its canonical request, string to sign
// and Authorization header.
func TestSignGetVanilla(t *testing.T) {
	req, err := http.NewRequest(http.MethodGet, "https://example.amazonaws.com/", nil)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	s := sigV4{accessKey: exampleAccessKey, secretKey: exampleSecret, region: "us-east-1", service: "service"}
	s.sign(req, emptySHA256, at)

	wantCanonical := "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + emptySHA256
	if got := canonicalRequest(req, signedHeaderNames(req), emptySHA256); got != wantCanonical {
		t.Errorf("canonical request =\n%s\nwant\n%s", got, wantCanonical)
	}
	wantSTS := "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n" +
		"bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
	if got := stringToSign(at, s.scope(at), wantCanonical); got != wantSTS {
		t.Errorf("string to sign =\n%s\nwant\n%s", got, wantSTS)
	}
	wantAuth := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
		"SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	if got := req.Header.Get("Authorization"); got != wantAuth {
		t.Errorf("Authorization =\n%s\nwant\n%s", got, wantAuth)
	}
	if got := req.Header.Get("X-Amz-Date"); got != "20150830T123600Z" {
		t.Errorf("X-Amz-Date = %q", got)
	}
}

func TestCanonicalForms(t *testing.T) {
	for _, tc := range []struct {
		name, rawURL, uri, query string
	}{
		{"root", "https://h/", "/", ""},
		{"empty path", "https://h", "/", ""},
		{"object key", "https://h/bucket/ab/cdef", "/bucket/ab/cdef", ""},
		{"unreserved kept, others encoded once", "https://h/a%20b/c~d_e.f-g/%E6%AD%A6", "/a%20b/c~d_e.f-g/%E6%AD%A6", ""},
		{"query sorted by name then value", "https://h/?b=2&a=2&a=1", "/", "a=1&a=2&b=2"},
		{"name sort is not string sort of pairs", "https://h/?a-=1&a=2", "/", "a=2&a-=1"},
		{"query values encoded", "https://h/?k=%2F+x&e=", "/", "e=&k=%2F%20x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.rawURL)
			if err != nil {
				t.Fatal(err)
			}
			if got := canonicalURI(u); got != tc.uri {
				t.Errorf("canonicalURI = %q, want %q", got, tc.uri)
			}
			if got := canonicalQuery(u.Query()); got != tc.query {
				t.Errorf("canonicalQuery = %q, want %q", got, tc.query)
			}
		})
	}
}

func TestSignedHeaderNames(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPut, "http://h/x", nil)
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("User-Agent", "not signed")
	req.Header.Set("X-Amz-Date", "20260101T000000Z")
	got := signedHeaderNames(req)
	want := []string{"content-type", "host", "x-amz-content-sha256", "x-amz-date"}
	if len(got) != len(want) {
		t.Fatalf("signed headers = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("signed headers = %v, want %v", got, want)
		}
	}
}

func TestParseS3Error(t *testing.T) {
	for _, tc := range []struct {
		name, body, code, msg string
	}{
		{"s3 document", `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>`,
			"NoSuchBucket", "The specified bucket does not exist"},
		{"html from a proxy", "<html><body>502 Bad Gateway</body></html>", "", ""},
		{"empty", "", "", ""},
		{"white space folded", "<Error><Code> AccessDenied\n</Code><Message>a\n\tb</Message></Error>", "AccessDenied", "a b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := parseS3Error([]byte(tc.body))
			if e.Code != tc.code || e.Message != tc.msg {
				t.Errorf("parseS3Error = %q, %q; want %q, %q", e.Code, e.Message, tc.code, tc.msg)
			}
		})
	}
}

func FuzzParseS3Error(f *testing.F) {
	f.Add([]byte(`<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message></Error>`))
	f.Add([]byte(`<Error><Code>` + string(make([]byte, 300)) + `</Code></Error>`))
	f.Add([]byte("\xff\xfe<Error>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e := parseS3Error(b)
		for _, s := range []string{e.Code, e.Message} {
			if len([]rune(s)) > 201 {
				t.Fatalf("field of %d runes; want at most 200 and an ellipsis", len([]rune(s)))
			}
		}
		_ = e.Error()
	})
}
