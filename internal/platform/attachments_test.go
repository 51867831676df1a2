package platform

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"yiwang/internal/attach"
)

// TestS3AttachmentsWired checks that Options.S3 puts the node's
// attachments in the bucket: GET /api/v1/attachments/{sum} becomes a
// signed GET of key ab/cdef… (here answered 404 by a stand-in, not a real
// S3 server; the signing itself is tested in internal/attach).
func TestS3AttachmentsWired(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" "+strings.Fields(r.Header.Get("Authorization") + " -")[0])
		mu.Unlock()
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "<Error><Code>NoSuchKey</Code></Error>")
	}))
	t.Cleanup(srv.Close)
	cfg := &attach.S3Config{Endpoint: srv.URL, Region: "us-east-1", Bucket: "photos", AccessKey: "AK", SecretKey: "SK", PathStyle: true}
	n, err := Open(context.Background(), Options{DB: "sqlite:" + filepath.Join(t.TempDir(), "t.db"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), S3: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	sum := attach.Sum([]byte("x"))
	rec := httptest.NewRecorder()
	asAdmin(t, n).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/attachments/"+sum, nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET attachment = %d %s, want 404", rec.Code, rec.Body)
	}
	mu.Lock()
	defer mu.Unlock()
	want := "GET /photos/" + sum[:2] + "/" + sum[2:] + " AWS4-HMAC-SHA256"
	if len(seen) != 1 || seen[0] != want {
		t.Errorf("bucket saw %q, want [%q]", seen, want)
	}
}

func TestAttachmentOptionsRefused(t *testing.T) {
	good := attach.S3Config{Endpoint: "http://127.0.0.1:9", Region: "us-east-1", Bucket: "photos", AccessKey: "AK", SecretKey: "SK"}
	bad := good
	bad.Bucket = "Bad_Bucket"
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"both", Options{S3: &good, AttachmentsDir: "/tmp/x"}, "not both"},
		{"bad bucket", Options{S3: &bad}, "bucket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.DB = "sqlite:" + filepath.Join(t.TempDir(), "t.db")
			tc.o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			n, err := Open(context.Background(), tc.o)
			if err == nil {
				n.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open = %v, want an error about %q", err, tc.want)
			}
		})
	}
}
