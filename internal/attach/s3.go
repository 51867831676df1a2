package attach

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxObjectBytes bounds what Get reads from the store, far above any
// attachment the Service accepts.
const maxObjectBytes = 256 << 20

// S3Config says where an S3-compatible bucket is and how to sign for it.
type S3Config struct {
	// Endpoint is the store's base URL, scheme and host only:
	// https://s3.cn-north-1.amazonaws.com.cn, http://127.0.0.1:9000.
	Endpoint string
	// Region is the signing region (us-east-1 for most MinIO set-ups).
	Region string
	// Bucket holds the blobs, one object per hash at key ab/cdef….
	Bucket string
	// AccessKey and SecretKey are the credential.
	AccessKey string
	SecretKey string
	// PathStyle addresses the bucket as Endpoint/Bucket/key instead of
	// Bucket.host/key (virtual-hosted style). MinIO and most self-hosted
	// stores want path style.
	PathStyle bool
	// Client sends the requests; nil means a client with a 60 s timeout.
	Client *http.Client
	// Now is the signing clock; nil means time.Now.
	Now func() time.Time
}

// S3 keeps blobs as objects of an S3-compatible bucket, signed with AWS
// Signature Version 4. It is safe for concurrent use.
type S3 struct {
	base   *url.URL // scheme://host[/bucket]
	signer sigV4
	client *http.Client
	now    func() time.Time
}

// NewS3 checks cfg and returns an S3 blob store. It does no I/O.
func NewS3(cfg S3Config) (*S3, error) {
	u, err := url.Parse(cfg.Endpoint)
	switch {
	case err != nil:
		return nil, fmt.Errorf("attach: s3 endpoint: %w", err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return nil, fmt.Errorf("attach: s3 endpoint %q: want http(s)://host[:port]", cfg.Endpoint)
	case strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return nil, fmt.Errorf("attach: s3 endpoint %q: give scheme and host only", cfg.Endpoint)
	case cfg.Region == "":
		return nil, errors.New("attach: s3 region is required")
	case !validBucket(cfg.Bucket):
		return nil, fmt.Errorf("attach: s3 bucket %q: want 3 to 63 lower-case letters, digits, dots or hyphens", cfg.Bucket)
	case cfg.AccessKey == "" || cfg.SecretKey == "":
		return nil, errors.New("attach: s3 access key and secret key are required")
	}
	base := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}
	if cfg.PathStyle {
		base.Path = "/" + cfg.Bucket + "/"
	} else {
		base.Host = cfg.Bucket + "." + u.Host
	}
	s := &S3{base: base, client: cfg.Client, now: cfg.Now,
		signer: sigV4{accessKey: cfg.AccessKey, secretKey: cfg.SecretKey, region: cfg.Region, service: "s3"}}
	if s.client == nil {
		s.client = &http.Client{Timeout: 60 * time.Second}
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 || b[0] == '.' || b[0] == '-' || b[len(b)-1] == '.' || b[len(b)-1] == '-' {
		return false
	}
	for _, c := range []byte(b) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

// ObjectURL is where the blob sum lives: key ab/cdef… under the bucket.
func (s *S3) ObjectURL(sum string) string {
	u := *s.base
	u.Path += sum[:2] + "/" + sum[2:]
	return u.String()
}

// Put stores data under sum. data must hash to sum; the store checks the
// bytes against the signed X-Amz-Content-Sha256. Putting the same blob
// again rewrites identical bytes, so Put is idempotent.
func (s *S3) Put(ctx context.Context, sum string, data []byte) error {
	if !ValidSum(sum) {
		return fmt.Errorf("attach: %w: %q", ErrBadSum, sum)
	}
	if got := Sum(data); got != sum {
		return fmt.Errorf("attach: data hashes to %s, not %s", got, sum)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, s.ObjectURL(sum), bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("attach: %w", err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("X-Amz-Content-Sha256", sum)
	s.signer.sign(req, sum, s.now())
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("attach: s3 put %s: %w", sum, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("attach: s3 put %s: %w", sum, responseError(resp))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return nil
}

// Get reads the blob under sum and checks that its bytes hash to it. A
// missing object (404) is ErrNotFound.
func (s *S3) Get(ctx context.Context, sum string) ([]byte, error) {
	if !ValidSum(sum) {
		return nil, fmt.Errorf("attach: %w: %q", ErrBadSum, sum)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.ObjectURL(sum), nil)
	if err != nil {
		return nil, fmt.Errorf("attach: %w", err)
	}
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	s.signer.sign(req, emptySHA256, s.now())
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("attach: s3 get %s: %w", sum, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("attach: %s: %w", sum, ErrNotFound)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("attach: s3 get %s: %w", sum, responseError(resp))
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxObjectBytes+1))
	if err != nil {
		return nil, fmt.Errorf("attach: s3 get %s: %w", sum, err)
	}
	if len(b) > maxObjectBytes {
		return nil, fmt.Errorf("attach: s3 object %s is larger than %d bytes", sum, maxObjectBytes)
	}
	if got := Sum(b); got != sum {
		return nil, fmt.Errorf("attach: s3 object %s is corrupt (its bytes hash to %s)", sum, got)
	}
	return b, nil
}

// responseError describes a failed response from its status and, when the
// body is an S3 error document, its code and message.
func responseError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := parseS3Error(body)
	e.Status = resp.StatusCode
	return e
}
