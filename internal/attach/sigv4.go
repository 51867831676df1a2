package attach

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// AWS Signature Version 4, as S3 and S3-compatible stores (MinIO, Ceph,
// Aliyun OSS, Tencent COS, …) accept it, written from the published
// specification: a canonical form of the request is hashed, and the hash is
// signed with a key derived from the secret, the date, the region and the
// service.

const (
	sigAlgorithm  = "AWS4-HMAC-SHA256"
	amzDateFormat = "20060102T150405Z"
	// emptySHA256 is the SHA-256 of no bytes, the payload hash of a GET.
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// sigV4 signs requests for one credential, region and service.
type sigV4 struct {
	accessKey, secretKey, region, service string
}

// signingKey derives the key that signs a day's requests:
// HMAC chained over "AWS4"+secret, date, region, service, "aws4_request".
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// sign sets X-Amz-Date and Authorization on req. payloadHash is the hex
// SHA-256 of the body (the caller sets X-Amz-Content-Sha256 itself when
// the service wants it, as S3 does). Signed are host, content-type,
// content-md5 and every x-amz-* header present.
func (s sigV4) sign(req *http.Request, payloadHash string, at time.Time) {
	at = at.UTC()
	req.Header.Set("X-Amz-Date", at.Format(amzDateFormat))
	names := signedHeaderNames(req)
	scope := s.scope(at)
	sig := hex.EncodeToString(hmacSHA256(signingKey(s.secretKey, at.Format("20060102"), s.region, s.service),
		stringToSign(at, scope, canonicalRequest(req, names, payloadHash))))
	req.Header.Set("Authorization", sigAlgorithm+" Credential="+s.accessKey+"/"+scope+
		", SignedHeaders="+strings.Join(names, ";")+", Signature="+sig)
}

// scope is the credential scope: date/region/service/aws4_request.
func (s sigV4) scope(at time.Time) string {
	return at.UTC().Format("20060102") + "/" + s.region + "/" + s.service + "/aws4_request"
}

// signedHeaderNames lists, lower-case and sorted, the headers to sign.
func signedHeaderNames(req *http.Request) []string {
	names := []string{"host"}
	for k := range req.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-amz-") || lk == "content-type" || lk == "content-md5" {
			names = append(names, lk)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// requestHost is the Host header Go will send for req.
func requestHost(req *http.Request) string {
	if req.Host != "" {
		return req.Host
	}
	return req.URL.Host
}

// canonicalRequest is the signed form of req: method, URI, query,
// headers, signed header list and payload hash, one per line.
func canonicalRequest(req *http.Request, names []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(req.Method + "\n")
	b.WriteString(canonicalURI(req.URL) + "\n")
	b.WriteString(canonicalQuery(req.URL.Query()) + "\n")
	for _, n := range names {
		var v string
		if n == "host" {
			v = requestHost(req)
		} else {
			v = strings.Join(req.Header.Values(n), ",")
		}
		b.WriteString(n + ":" + strings.Join(strings.Fields(v), " ") + "\n")
	}
	b.WriteString("\n" + strings.Join(names, ";") + "\n")
	b.WriteString(payloadHash)
	return b.String()
}

// canonicalURI encodes each path segment once (S3 does not double-encode).
func canonicalURI(u *url.URL) string {
	p := u.Path
	if p == "" {
		return "/"
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = uriEncode(s)
	}
	return strings.Join(segs, "/")
}

// canonicalQuery sorts parameters by name, then value, each encoded.
func canonicalQuery(q url.Values) string {
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, pair{uriEncode(k), uriEncode(v)})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int { return cmp.Or(strings.Compare(a.k, b.k), strings.Compare(a.v, b.v)) })
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, "&")
}

// uriEncode percent-encodes every byte but the RFC 3986 unreserved ones,
// with upper-case hex, as SigV4 requires.
func uriEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// stringToSign is what the signing key signs.
func stringToSign(at time.Time, scope, canonical string) string {
	return sigAlgorithm + "\n" + at.UTC().Format(amzDateFormat) + "\n" + scope + "\n" + sha256Hex([]byte(canonical))
}
