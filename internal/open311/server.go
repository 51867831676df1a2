package open311

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/geo"
	"yiwang/internal/store"
)

// Prefix is the path under which the GeoReport v2 endpoints are served.
const Prefix = "/open311/v2/"

// Defaults of Config.
const (
	DefaultJurisdictionID = "wuhan.gov.cn"
	DefaultDedupWindow    = 10 * time.Minute
	DefaultMaxBodyBytes   = 64 << 10
)

// Config is what an operator sets.
type Config struct {
	// JurisdictionID is the jurisdiction this endpoint serves; "" means
	// DefaultJurisdictionID. A request naming another one is answered 404.
	JurisdictionID string
	// APIKeys are the keys allowed to create requests. Empty means
	// creation needs no key (a development setting; New logs a warning).
	APIKeys []string
	// DedupWindow is how long a retried create is recognised (see the
	// package doc); 0 means DefaultDedupWindow.
	DedupWindow time.Duration
	// MaxBodyBytes caps a create's form body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// PublicChannels are the channels whose cases GET requests shows to
	// anyone; nil means DefaultPublicChannels. A case of another channel
	// (a 12345 call, an enterprise's request) is answered as missing.
	PublicChannels []cases.Channel
}

// DefaultPublicChannels are the ways in whose reports are public by
// nature: what citizens post through the web, apps and Open311 clients,
// and what grid inspectors and sensors find in public space. Hotline
// calls and enterprises' requests are between the caller and the city.
var DefaultPublicChannels = []cases.Channel{cases.ChannelWeb, cases.ChannelApp, cases.ChannelOpen311, cases.ChannelGrid, cases.ChannelSensor}

// Creator creates cases: workflow.Workflow, which stores a case and
// dispatches it.
type Creator interface {
	Create(ctx context.Context, req store.CreateRequest) (cases.Case, bool, error)
}

// Options are the dependencies of a Server.
type Options struct {
	// Creator creates the cases (the workflow). Required.
	Creator Creator
	// Store reads the cases. Required.
	Store store.Store
	// Taxonomy gives the services. Required.
	Taxonomy *category.Taxonomy
	// Geo locates points and names areas. Required.
	Geo *geo.Index
	// UnitName names a handling unit (agency_responsible); nil answers the
	// unit code.
	UnitName func(code string) string
	// Extras is the services document; nil means DefaultExtras.
	Extras []byte
	Config Config
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives server errors; nil discards them.
	Logger *slog.Logger
}

// Server serves GeoReport v2. It is safe for concurrent use.
type Server struct {
	creator      Creator
	store        store.Store
	catalog      *Catalog
	geo          *geo.Index
	unitName     func(string) string
	jurisdiction string
	keys         [][sha256.Size]byte
	window       time.Duration
	maxBody      int64
	public       []cases.Channel
	now          func() time.Time
	log          *slog.Logger

	recentMu sync.Mutex
	recent   map[string]recentCreate // by request fingerprint
}

// New checks opts and builds the server.
func New(opts Options) (*Server, error) {
	switch {
	case opts.Creator == nil:
		return nil, errors.New("open311: Options.Creator is required")
	case opts.Store == nil:
		return nil, errors.New("open311: Options.Store is required")
	case opts.Taxonomy == nil:
		return nil, errors.New("open311: Options.Taxonomy is required")
	case opts.Geo == nil:
		return nil, errors.New("open311: Options.Geo is required")
	case opts.Config.DedupWindow < 0 || opts.Config.MaxBodyBytes < 0:
		return nil, errors.New("open311: Config.DedupWindow and Config.MaxBodyBytes must not be negative")
	}
	extras := opts.Extras
	if extras == nil {
		extras = defaultExtras
	}
	cat, err := NewCatalog(opts.Taxonomy, extras)
	if err != nil {
		return nil, fmt.Errorf("open311: %w", err)
	}
	s := &Server{
		creator: opts.Creator, store: opts.Store, catalog: cat, geo: opts.Geo, unitName: opts.UnitName,
		jurisdiction: opts.Config.JurisdictionID, window: opts.Config.DedupWindow, maxBody: opts.Config.MaxBodyBytes,
		now: opts.Now, log: opts.Logger, recent: map[string]recentCreate{},
	}
	if s.jurisdiction == "" {
		s.jurisdiction = DefaultJurisdictionID
	}
	s.public = slices.Clone(opts.Config.PublicChannels)
	if s.public == nil {
		s.public = slices.Clone(DefaultPublicChannels)
	}
	if s.window == 0 {
		s.window = DefaultDedupWindow
	}
	if s.maxBody == 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.unitName == nil {
		s.unitName = func(code string) string { return code }
	}
	for i, k := range opts.Config.APIKeys {
		if len(k) < 8 || strings.ContainsAny(k, " \t\r\n") {
			return nil, fmt.Errorf("open311: Config.APIKeys[%d] must be at least 8 characters without spaces", i)
		}
		s.keys = append(s.keys, sha256.Sum256([]byte(k)))
	}
	if len(s.keys) == 0 {
		s.log.Warn("open311: no API keys configured; anyone may create requests without an api_key")
	}
	return s, nil
}

// Catalog returns the services served.
func (s *Server) Catalog() *Catalog { return s.catalog }

// ValidKey reports whether key is one of the configured API keys (false
// when none are configured). Keys are compared by hash in constant time.
func (s *Server) ValidKey(key string) bool {
	if key == "" {
		return false
	}
	sum := sha256.Sum256([]byte(key))
	found := 0
	for _, h := range s.keys {
		found |= subtle.ConstantTimeCompare(sum[:], h[:])
	}
	return found == 1
}

// route is one endpoint: a method and the resource path under Prefix
// without the format extension, where "*" stands for one segment.
type route struct {
	method   string
	resource string
	handle   func(s *Server, r *http.Request, f format, arg string) (status int, v, x any, err error)
}

var routes = []route{
	{http.MethodGet, "services", (*Server).listServices},
	{http.MethodGet, "services/*", (*Server).serviceDefinition},
	{http.MethodPost, "requests", (*Server).createRequest},
	{http.MethodGet, "requests", (*Server).listRequests},
	{http.MethodGet, "requests/*", (*Server).getRequest},
	{http.MethodGet, "tokens/*", (*Server).getToken},
}

// ServeHTTP serves every endpoint under Prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		writeErrors(w, formatOf(r), fail(http.StatusNotFound, "there is nothing at %s", r.URL.Path))
		return
	}
	dir, file := "", rest
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		dir, file = rest[:i], rest[i+1:]
	}
	base, f, ok := splitFormat(file)
	if !ok {
		writeErrors(w, formatJSON, fail(http.StatusNotFound,
			"there is nothing at %s; GeoReport v2 paths end in .json or .xml", r.URL.Path))
		return
	}
	resource, arg := base, ""
	if dir != "" {
		resource, arg = dir+"/*", base
	}
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	var allow []string
	for _, rt := range routes {
		if rt.resource != resource {
			continue
		}
		if rt.method != method {
			allow = append(allow, rt.method)
			continue
		}
		s.serve(w, r, f, rt, arg)
		return
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeErrors(w, f, fail(http.StatusMethodNotAllowed, "%s is not allowed on %s; allowed: %s",
			r.Method, r.URL.Path, strings.Join(allow, ", ")))
		return
	}
	writeErrors(w, f, fail(http.StatusNotFound, "there is nothing at %s", r.URL.Path))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, f format, rt route, arg string) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			e := asAPIError(fmt.Errorf("panic: %v", v))
			logFailure(s.log, r, e)
			writeErrors(w, f, e)
		}
	}()
	if err := s.checkJurisdiction(r); err != nil {
		writeErrors(w, f, err)
		return
	}
	status, v, x, err := rt.handle(s, r, f, arg)
	if err != nil {
		e := asAPIError(err)
		logFailure(s.log, r, e)
		writeErrors(w, f, e)
		return
	}
	write(w, f, status, v, x)
}

// checkJurisdiction accepts a request naming no jurisdiction or ours, in
// the query or (for a create) the form body, and answers 404 otherwise:
// this endpoint has nothing of another jurisdiction.
func (s *Server) checkJurisdiction(r *http.Request) *apiError {
	for _, j := range r.URL.Query()["jurisdiction_id"] {
		if j != "" && j != s.jurisdiction {
			return fail(http.StatusNotFound, "jurisdiction_id %q is not served here; this endpoint serves %q", j, s.jurisdiction)
		}
	}
	return nil
}
