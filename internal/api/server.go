package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"yiwang/internal/attach"
	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/enterprise"
	"yiwang/internal/store"
)

// DefaultMaxBodyBytes is the request body limit when Options.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// Options are the dependencies and settings of the API.
type Options struct {
	// Store keeps the cases. Required.
	Store store.Store
	// Taxonomy decides which category codes are valid. Required.
	Taxonomy *category.Taxonomy
	// Logger receives server errors (5xx); nil discards them.
	Logger *slog.Logger
	// Now is the clock stamping created cases and transitions; nil means time.Now.
	Now func() time.Time
	// MaxBodyBytes caps request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// RevealTokens are the bearer tokens allowed to see reporters' full
	// phone numbers and e-mail addresses. Everyone else sees them masked.
	RevealTokens []string
	// Locate, when set, fills a new case's administrative chain (district,
	// street, community, grid) from its coordinates, replacing whatever
	// chain the client sent. An error from it does not refuse the case: the
	// case keeps the client's chain (usually none) and a warning is logged.
	Locate func(lat, lon float64) (cases.Location, error)
	// Version is reported by /healthz and in the OpenAPI document.
	Version string
	// Workflow, when set, creates and moves cases (automatic dispatch,
	// deadlines, return window), adds clocks to case responses and serves
	// the dispatch routes. Without it cases go straight to Store, case
	// responses carry no clocks and the dispatch routes answer 404.
	Workflow Workflow
	// Attachments, when set, stores photos of grid reports and serves
	// GET /api/v1/attachments/{sha256}; without it those routes answer 404.
	Attachments *attach.Service
	// Situation, when set, serves the situation screen's routes
	// (situation.go); without it they answer 404.
	Situation *Situation
	// LookupSecret, when set (at least 32 bytes), signs the lookup tokens
	// given in create responses of cases without a phone number, with which
	// a citizen reads the case (GET /api/v1/public/cases/{id}?token=…).
	// Changing it invalidates every token given before.
	LookupSecret []byte
	// Auth, when set, returns the signed-in caller of a request (put in
	// its context by the authorisation middleware in front of the API).
	// With a caller, lists hold only the cases in its data scope, a case
	// outside it answers 404 as a missing one, events record the caller
	// as actor (actor and actor_unit sent by the client are ignored), and
	// reporters' contact details are shown as its role allows. Requests
	// without a caller (public routes) and an API without Auth behave as
	// before (reveal tokens decide the masking).
	Auth func(ctx context.Context) (Caller, bool)
	// AuthRoutes serves /api/v1/auth/… (auth.Service.Handler); without it
	// those routes answer 404.
	AuthRoutes http.Handler
}

// Server is the HTTP API. Create it with New; it is safe for concurrent use.
type Server struct {
	store   store.Store
	writer  caseWriter
	wf      Workflow
	tax     *category.Taxonomy
	log     *slog.Logger
	now     func() time.Time
	maxBody int64
	reveal  [][sha256.Size]byte
	locate  func(lat, lon float64) (cases.Location, error)
	version string
	openapi []byte
	attach  *attach.Service
	sit     *Situation
	hot     hotspotCache
	secret  []byte
	entCats enterprise.Categories
	auth    func(ctx context.Context) (Caller, bool)
	// authRoutes serves /api/v1/auth/….
	authRoutes http.Handler

	mux     *http.ServeMux
	handler http.Handler
}

// New checks opts and returns the API's handler.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("api: Options.Store is required")
	}
	if opts.Taxonomy == nil {
		return nil, errors.New("api: Options.Taxonomy is required")
	}
	if opts.MaxBodyBytes < 0 {
		return nil, fmt.Errorf("api: Options.MaxBodyBytes is %d, must not be negative", opts.MaxBodyBytes)
	}
	s := &Server{
		store: opts.Store, tax: opts.Taxonomy, log: opts.Logger, now: opts.Now,
		maxBody: opts.MaxBodyBytes, locate: opts.Locate, version: opts.Version,
		writer: opts.Store, wf: opts.Workflow, attach: opts.Attachments, sit: opts.Situation,
		authRoutes: opts.AuthRoutes,
	}
	if opts.LookupSecret != nil {
		if len(opts.LookupSecret) < 32 {
			return nil, fmt.Errorf("api: Options.LookupSecret is %d bytes, must be at least 32", len(opts.LookupSecret))
		}
		s.secret = slices.Clone(opts.LookupSecret)
	}
	// A taxonomy without the enterprise categories leaves the enterprise
	// intake route answering 404; the rest of the API works.
	s.entCats, _ = enterprise.NewCategories(opts.Taxonomy)
	if opts.Workflow != nil {
		s.writer = opts.Workflow
	}
	if opts.Auth != nil {
		s.auth = opts.Auth
		s.writer = callerWriter{s: s, next: s.writer}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxBody == 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	for i, tok := range opts.RevealTokens {
		if len(tok) < 16 || strings.ContainsAny(tok, " \t\r\n") {
			return nil, fmt.Errorf("api: Options.RevealTokens[%d] must be at least 16 characters without spaces", i)
		}
		s.reveal = append(s.reveal, sha256.Sum256([]byte(tok)))
	}
	doc, err := openAPIDocument(opts.Version)
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	s.openapi = doc
	s.mux = http.NewServeMux()
	for _, rt := range s.routes() {
		s.mux.HandleFunc(rt.pattern(), rt.handler)
	}
	s.mux.HandleFunc("/", s.unmatched)
	s.handler = s.recoverPanics(s.mux)
	return s, nil
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// mayReveal reports whether r may see reporters' contact details: as the
// caller's role allows when someone signed in, else when r carries a
// reveal token (compared by their hashes in constant time).
func (s *Server) mayReveal(r *http.Request) bool {
	if cl, ok := s.caller(r.Context()); ok {
		return cl.Reveal()
	}
	auth := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	found := 0
	for _, h := range s.reveal {
		found |= subtle.ConstantTimeCompare(sum[:], h[:])
	}
	return found == 1
}

// writeJSON writes v with the given status. Responses may carry personal
// data, so they vary by Authorization and are not cached.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.fail(w, r, fmt.Errorf("encoding response: %w", err))
		return
	}
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Authorization")
	w.WriteHeader(status)
	w.Write(body)
}

// etag is a case version as an entity tag.
func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }
