package ratelimit

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Deny writes the 429 response body. The middleware has already set
// Retry-After; Deny sets the content type and writes the status and body.
type Deny func(w http.ResponseWriter, r *http.Request, retryAfter time.Duration)

// Middleware wraps next so that each client's requests are limited by l.
// client names the client of a request (see Client); now is the clock (nil
// means time.Now). A nil l passes every request through.
func Middleware(l *Limiter, client func(*http.Request) string, deny Deny, now func() time.Time, next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	if now == nil {
		now = time.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, wait := l.Allow(client(r), now())
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds(wait)))
		deny(w, r, wait)
	})
}

// RetryAfterSeconds rounds a wait up to whole seconds, at least 1, as the
// Retry-After header needs.
func RetryAfterSeconds(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}

// maxPeek is how much of a form body Client reads looking for api_key.
const maxPeek = 64 << 10

// Client names the client of r: "key:" and the api_key the request
// carries (query parameter, X-Api-Key header, or a field of a
// form-encoded body of at most 64 KiB) when validKey accepts it, else
// "ip:" and the remote IP. Only keys validKey vouches for count, so a
// client cannot escape its limit by inventing keys; with a nil validKey
// every client is its IP. A body read to find the key is put back for the
// handler.
func Client(r *http.Request, validKey func(string) bool) string {
	if validKey != nil {
		if k := apiKey(r); k != "" && validKey(k) {
			return "key:" + k
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host
}

func apiKey(r *http.Request) string {
	if k := r.URL.Query().Get("api_key"); k != "" {
		return k
	}
	if k := r.Header.Get("X-Api-Key"); k != "" {
		return k
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" || r.Body == nil || r.ContentLength > maxPeek {
		return ""
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPeek+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
	if err != nil || len(body) > maxPeek {
		return ""
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return ""
	}
	return vals.Get("api_key")
}

// ProblemDeny returns a Deny writing an RFC 9457 problem (the /api error
// format) of the given type URI.
func ProblemDeny(typeURI string) Deny {
	return func(w http.ResponseWriter, r *http.Request, retryAfter time.Duration) {
		secs := RetryAfterSeconds(retryAfter)
		body, _ := json.Marshal(map[string]any{
			"type": typeURI, "title": "Too many requests", "status": http.StatusTooManyRequests,
			"detail":   "this client has sent too many create requests; retry after " + strconv.Itoa(secs) + " s",
			"instance": r.URL.Path,
		})
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write(body)
	}
}
