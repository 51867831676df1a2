package attach

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"yiwang/internal/attach/attachtest"
)

// fakeS3 is NOT a real S3 server: an in-memory bucket behind httptest that
// answers PUT and GET of objects and, like S3, refuses any request whose
// SigV4 Authorization it cannot recompute with the secret, whose date is
// more than 15 minutes off, or whose body does not match the signed
// X-Amz-Content-Sha256. It checks the wire format our client produces;
// agreement with a real store rests on the signer matching the published
// AWS test vectors.
type fakeS3 struct {
	bucket, region, accessKey, secretKey string
	now                                  time.Time

	mu      sync.Mutex
	objects map[string][]byte
	seen    []string // "METHOD key" of every authorised request
}

func newFakeS3(now time.Time) *fakeS3 {
	return &fakeS3{bucket: "yiwang-photos", region: "cn-central-1", accessKey: "AKIDTEST",
		secretKey: "test/secret+KEY", now: now, objects: map[string][]byte{}}
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.fail(w, http.StatusBadRequest, "IncompleteBody", err.Error())
		return
	}
	key, ok := f.key(r)
	if !ok {
		f.fail(w, http.StatusNotFound, "NoSuchBucket", "no bucket in "+r.Host+r.URL.Path)
		return
	}
	if code, msg := f.verify(r, body); code != "" {
		f.fail(w, http.StatusForbidden, code, msg)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, r.Method+" "+key)
	switch r.Method {
	case http.MethodPut:
		f.objects[key] = body
	case http.MethodGet:
		b, ok := f.objects[key]
		if !ok {
			f.fail(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
			return
		}
		w.Write(b)
	default:
		f.fail(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method)
	}
}

// key finds the object key in a path-style (/bucket/key) or
// virtual-hosted (bucket.host/key) request.
func (f *fakeS3) key(r *http.Request) (string, bool) {
	if strings.HasPrefix(r.Host, f.bucket+".") {
		return strings.TrimPrefix(r.URL.Path, "/"), true
	}
	return strings.CutPrefix(r.URL.Path, "/"+f.bucket+"/")
}

func (f *fakeS3) fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, code, msg)
}

// verify parses the Authorization header and recomputes its signature
// from the request as received; it returns an S3 error code when the
// request must be refused.
func (f *fakeS3) verify(r *http.Request, body []byte) (code, msg string) {
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ")
	if !ok {
		return "AccessDenied", "missing or non-SigV4 Authorization"
	}
	fields := map[string]string{}
	for _, part := range strings.Split(auth, ", ") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return "AuthorizationHeaderMalformed", "part " + part
		}
		fields[k] = v
	}
	cred := strings.Split(fields["Credential"], "/")
	if len(fields) != 3 || len(cred) != 5 {
		return "AuthorizationHeaderMalformed", auth
	}
	if cred[0] != f.accessKey {
		return "InvalidAccessKeyId", cred[0]
	}
	if cred[2] != f.region || cred[3] != "s3" || cred[4] != "aws4_request" {
		return "AuthorizationHeaderMalformed", "scope " + fields["Credential"]
	}
	at, err := time.Parse(amzDateFormat, r.Header.Get("X-Amz-Date"))
	if err != nil || at.Format("20060102") != cred[1] {
		return "AuthorizationHeaderMalformed", "x-amz-date does not match the scope"
	}
	if d := at.Sub(f.now); d > 15*time.Minute || d < -15*time.Minute {
		return "RequestTimeTooSkewed", "request time " + at.String()
	}
	names := strings.Split(fields["SignedHeaders"], ";")
	if !slices.IsSorted(names) {
		return "AuthorizationHeaderMalformed", "signed headers not sorted"
	}
	for _, must := range []string{"host", "x-amz-date", "x-amz-content-sha256"} {
		if !slices.Contains(names, must) {
			return "AccessDenied", must + " is not signed"
		}
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload != sha256Hex(body) {
		return "XAmzContentSHA256Mismatch", "body does not match x-amz-content-sha256"
	}
	want := hmacSHA256(signingKey(f.secretKey, cred[1], f.region, "s3"),
		stringToSign(at, strings.Join(cred[1:], "/"), canonicalRequest(r, names, payload)))
	got, err := hex.DecodeString(fields["Signature"])
	if err != nil || !hmac.Equal(got, want) {
		return "SignatureDoesNotMatch", "the signature does not match"
	}
	return "", ""
}

// start serves f and returns a client that reaches it for any host name,
// so virtual-hosted bucket names need no DNS.
func (f *fakeS3) start(t *testing.T) (endpoint string, client *http.Client) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	dial := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dial.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return "http://s3.test:" + port, &http.Client{Transport: tr}
}

func (f *fakeS3) config(endpoint string, client *http.Client, pathStyle bool) S3Config {
	return S3Config{Endpoint: endpoint, Region: f.region, Bucket: f.bucket, AccessKey: f.accessKey,
		SecretKey: f.secretKey, PathStyle: pathStyle, Client: client, Now: func() time.Time { return f.now }}
}

func TestS3RoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	for _, pathStyle := range []bool{true, false} {
		t.Run(fmt.Sprintf("pathStyle=%v", pathStyle), func(t *testing.T) {
			f := newFakeS3(now)
			endpoint, client := f.start(t)
			s, err := NewS3(f.config(endpoint, client, pathStyle))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			data := attachtest.JPEG(16, 12)
			sum := Sum(data)
			if err := s.Put(ctx, sum, data); err != nil {
				t.Fatalf("Put: %v", err)
			}
			if err := s.Put(ctx, sum, data); err != nil {
				t.Fatalf("second Put: %v", err)
			}
			got, err := s.Get(ctx, sum)
			if err != nil || string(got) != string(data) {
				t.Fatalf("Get = %d bytes, %v; want the %d bytes put", len(got), err, len(data))
			}
			key := sum[:2] + "/" + sum[2:]
			if string(f.objects[key]) != string(data) || len(f.objects) != 1 {
				t.Errorf("bucket holds %d objects, want one at key %s", len(f.objects), key)
			}
			if want := []string{"PUT " + key, "PUT " + key, "GET " + key}; !slices.Equal(f.seen, want) {
				t.Errorf("requests = %v, want %v", f.seen, want)
			}
			wantURL := "http://yiwang-photos.s3.test:"
			if pathStyle {
				wantURL = "http://s3.test:"
			}
			if u := s.ObjectURL(sum); !strings.HasPrefix(u, wantURL) || !strings.HasSuffix(u, "/"+key) {
				t.Errorf("ObjectURL = %s; want %s…/%s", u, wantURL, key)
			}
			missing := Sum([]byte("never put"))
			if _, err := s.Get(ctx, missing); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get(missing) = %v, want ErrNotFound", err)
			}
		})
	}
}

// TestS3ThroughService stores a photo through the Service, as grid
// reports do, with S3 as its Blobs.
func TestS3ThroughService(t *testing.T) {
	f := newFakeS3(time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC))
	endpoint, client := f.start(t)
	s3, err := NewS3(f.config(endpoint, client, true))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(Options{Blobs: s3})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Put(context.Background(), attachtest.JPEGWithGPS(20, 10, 30.59, 114.30))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := svc.Get(context.Background(), p.SHA256)
	if err != nil || obj.Type != "image/jpeg" || Sum(obj.Data) != p.SHA256 {
		t.Fatalf("Get = %s, %d bytes, %v", obj.Type, len(obj.Data), err)
	}
}

func TestS3Refusals(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	data := []byte("some bytes")
	sum := Sum(data)
	for _, tc := range []struct {
		name   string
		change func(*S3Config)
		code   string
	}{
		{"wrong secret", func(c *S3Config) { c.SecretKey = "not the secret" }, "SignatureDoesNotMatch"},
		{"unknown access key", func(c *S3Config) { c.AccessKey = "AKIDOTHER" }, "InvalidAccessKeyId"},
		{"wrong region", func(c *S3Config) { c.Region = "us-east-1" }, "AuthorizationHeaderMalformed"},
		{"clock an hour fast", func(c *S3Config) { c.Now = func() time.Time { return now.Add(time.Hour) } }, "RequestTimeTooSkewed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeS3(now)
			endpoint, client := f.start(t)
			cfg := f.config(endpoint, client, true)
			tc.change(&cfg)
			s, err := NewS3(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Put(context.Background(), sum, data)
			var e *S3Error
			if !errors.As(err, &e) || e.Status != http.StatusForbidden || e.Code != tc.code {
				t.Fatalf("Put = %v; want a 403 %s", err, tc.code)
			}
			if len(f.objects) != 0 {
				t.Errorf("a refused request stored %d objects", len(f.objects))
			}
			if _, err := s.Get(context.Background(), sum); !errors.As(err, &e) || e.Code != tc.code {
				t.Errorf("Get = %v; want %s", err, tc.code)
			}
		})
	}
}

func TestS3Integrity(t *testing.T) {
	f := newFakeS3(time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC))
	endpoint, client := f.start(t)
	s, err := NewS3(f.config(endpoint, client, true))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	data := []byte("original")
	sum := Sum(data)
	if err := s.Put(ctx, sum, []byte("other bytes")); err == nil || len(f.seen) != 0 {
		t.Errorf("Put of bytes that do not hash to the key = %v after %d requests; want refused before sending", err, len(f.seen))
	}
	if err := s.Put(ctx, "AB"+sum[2:], data); !errors.Is(err, ErrBadSum) {
		t.Errorf("Put with an upper-case key = %v, want ErrBadSum", err)
	}
	if _, err := s.Get(ctx, "../../etc/passwd"); !errors.Is(err, ErrBadSum) {
		t.Errorf("Get of a path = %v, want ErrBadSum", err)
	}
	f.objects[sum[:2]+"/"+sum[2:]] = []byte("tampered")
	if _, err := s.Get(ctx, sum); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("Get of a tampered object = %v, want a corruption error", err)
	}
}

func TestNewS3Validation(t *testing.T) {
	good := S3Config{Endpoint: "https://s3.example.com", Region: "us-east-1", Bucket: "photos", AccessKey: "a", SecretKey: "s"}
	if _, err := NewS3(good); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for _, tc := range []struct {
		name   string
		change func(*S3Config)
	}{
		{"no endpoint", func(c *S3Config) { c.Endpoint = "" }},
		{"ftp endpoint", func(c *S3Config) { c.Endpoint = "ftp://s3.example.com" }},
		{"endpoint with a path", func(c *S3Config) { c.Endpoint = "https://s3.example.com/photos" }},
		{"endpoint with credentials", func(c *S3Config) { c.Endpoint = "https://u:p@s3.example.com" }},
		{"no region", func(c *S3Config) { c.Region = "" }},
		{"upper-case bucket", func(c *S3Config) { c.Bucket = "Photos" }},
		{"short bucket", func(c *S3Config) { c.Bucket = "ph" }},
		{"bucket with a slash", func(c *S3Config) { c.Bucket = "ph/otos" }},
		{"no secret", func(c *S3Config) { c.SecretKey = "" }},
		{"no access key", func(c *S3Config) { c.AccessKey = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.change(&c)
			if _, err := NewS3(c); err == nil {
				t.Errorf("NewS3(%+v) = nil error", c)
			}
		})
	}
}
