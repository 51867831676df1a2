// Package platform assembles a running Yiwang node from its parts — store,
// event stream, geography, case workflow, HTTP API — and starts and stops them together.
// cmd/yiwang, the benchmarks and the end-to-end tests all build nodes here,
// so there is one wiring of the platform.
package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"yiwang/internal/api"
	"yiwang/internal/attach"
	"yiwang/internal/auth"
	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/console"
	"yiwang/internal/dispatch"
	"yiwang/internal/geo"
	"yiwang/internal/nlp/dedup"
	"yiwang/internal/open311"
	"yiwang/internal/ratelimit"
	"yiwang/internal/situation"
	"yiwang/internal/store/sqlstore"
	"yiwang/internal/stream"
	"yiwang/internal/workflow"
)

// Options configure a node.
type Options struct {
	// DB is sqlite:PATH or a postgres:// URL.
	DB           string
	IDPrefix     string
	RevealTokens []string
	Logger       *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Version is reported by the API.
	Version string
	// Open311 configures the GeoReport v2 endpoint under /open311/v2/.
	Open311 open311.Config
	// RateLimit limits each client's creates (every create endpoint of the
	// API and POST /open311/v2/requests.*) and public case look-ups; the
	// zero value sets no limit.
	RateLimit ratelimit.Config
	// AttachmentsDir, when set, keeps uploaded photos there (attach.Dir)
	// and enables grid reports and GET /api/v1/attachments/{sha256}.
	AttachmentsDir string
	// S3, when set, keeps uploaded photos in an S3-compatible bucket
	// (attach.S3) instead; giving both S3 and AttachmentsDir is an error.
	S3 *attach.S3Config
	// Classifier suggests categories with the category classifier kept in
	// the store (workflow.Models): the stored model, else one trained in
	// the background at start (≈ 10 s of CPU) and stored for every node;
	// off, cases are dispatched on the category as filed.
	Classifier bool
	// ModelFile, with Classifier, is a model file (yiwang nlp train --out)
	// stored and put in force at start instead of any training.
	ModelFile string
	// RetrainEvery, with Classifier, retrains the classifier once per
	// period of that length (on one node of those sharing the store); 0
	// never does.
	RetrainEvery time.Duration
	// Trainer trains the classifier; nil means nlp.TrainHierarchy on the
	// embedded messages (tests pass quicker ones).
	Trainer workflow.Trainer
	// NodeName names this node in the retrain claims (default host name
	// and process id).
	NodeName string
	// LookupSecret (at least 32 bytes) signs the citizens' lookup tokens
	// of cases without a phone number; when empty, a random secret kept in
	// the store (shared by every node) is used.
	LookupSecret []byte
	// DemoUsers creates the demo users (auth.DemoUsers, password
	// "demo-<login>") that do not exist yet; the demo command sets it.
	DemoUsers bool
	// PasswordHash are argon2id's costs for new password hashes; zero
	// means auth.DefaultHashParams (tests lower them).
	PasswordHash auth.HashParams
}

// Node is one running platform process's components.
type Node struct {
	Store    *sqlstore.Store
	Bus      *stream.Bus
	Geo      *geo.Index
	Taxonomy *category.Taxonomy
	// Dispatch is the built-in responsibility list (the demo list), the
	// Workflow's default until a list is stored; Workflow.Engine() is the
	// one in force.
	Dispatch *dispatch.Engine
	// Workflow runs cases through dispatch and deadlines; the API's
	// creates and transitions go through it.
	Workflow *workflow.Workflow
	Handler  http.Handler
	// Situation are the situation screen's aggregates, following the
	// event stream from Open to Close.
	Situation *situation.Aggregates
	// Duplicates finds open cases repeating a message, following the
	// event stream from Open to Close.
	Duplicates *workflow.Duplicates
	// Auth signs users in and is the one authorisation layer in front of
	// every route of Handler (auth.Policy).
	Auth *auth.Service
	// Models keeps the category classifier as versioned data; nil when
	// Options.Classifier is off.
	Models *workflow.Models
	// routes are the node's routes behind Auth's middleware (mount adds
	// to them).
	routes http.Handler
	log    *slog.Logger
	// trained is closed when the start-up training in the background (the
	// category classifier and the unit router) has ended, or at once
	// without it.
	trained chan struct{}
	stopSit context.CancelFunc
	stopDup context.CancelFunc
}

// Trained is closed when the node's start-up training (the category
// classifier and the unit router, Options.Classifier) has ended, whether
// or not it put a model in force; at once on a node without it.
func (n *Node) Trained() <-chan struct{} { return n.trained }

// Open builds a node: opens (and migrates) the store, loads geography and
// the taxonomy, and builds the HTTP handler.
func Open(ctx context.Context, o Options) (*Node, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	n := &Node{Bus: stream.New(), log: o.Logger, trained: make(chan struct{})}
	var err error
	if n.Taxonomy, err = category.Default(); err != nil {
		return nil, fmt.Errorf("loading taxonomy: %w", err)
	}
	if n.Geo, err = geo.Load(); err != nil {
		return nil, fmt.Errorf("loading geography: %w", err)
	}
	if n.Dispatch, err = dispatch.DemoEngine(); err != nil {
		return nil, fmt.Errorf("loading responsibility list: %w", err)
	}
	n.Store, err = sqlstore.Open(ctx, o.DB, sqlstore.Options{
		Now: o.Now, Publish: n.Bus.Publish, Logger: o.Logger, IDPrefix: o.IDPrefix,
	})
	if err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	n.Workflow, err = workflow.New(workflow.Options{Store: n.Store, Engine: n.Dispatch, Now: o.Now, Logger: o.Logger})
	if err != nil {
		n.Store.Close()
		return nil, fmt.Errorf("building workflow: %w", err)
	}
	if err := n.Workflow.LoadRules(ctx); err != nil {
		o.Logger.Warn("the stored responsibility list cannot be used; serving the built-in one", "err", err)
	}
	n.Auth, err = auth.New(auth.Options{Store: n.Store, Units: unitsInForce{n.Workflow}, Now: o.Now, Logger: o.Logger, Hash: o.PasswordHash})
	if err != nil {
		n.Store.Close()
		return nil, fmt.Errorf("building sign-in: %w", err)
	}
	if o.DemoUsers {
		if _, err := n.Auth.EnsureDemoUsers(ctx); err != nil {
			n.Store.Close()
			return nil, fmt.Errorf("creating demo users: %w", err)
		}
	}
	secret, err := lookupSecret(ctx, n.Store, o.LookupSecret)
	if err != nil {
		n.Store.Close()
		return nil, err
	}
	if err := n.followSituation(ctx); err != nil {
		n.Store.Close()
		return nil, err
	}
	if err := n.followDuplicates(ctx, o.Now()); err != nil {
		n.stopSit()
		n.Store.Close()
		return nil, err
	}
	if o.Classifier {
		if err := n.openModels(ctx, o); err != nil {
			n.Close()
			return nil, fmt.Errorf("category classifier: %w", err)
		}
		var wg sync.WaitGroup
		wg.Go(n.trainClassifier)
		wg.Go(func() { n.trainUnitRouter(o) }) // units.go
		go func() { wg.Wait(); close(n.trained) }()
	} else {
		close(n.trained)
	}
	var files *attach.Service
	if o.S3 != nil || o.AttachmentsDir != "" {
		if files, err = attachments(o); err != nil {
			n.Store.Close()
			return nil, fmt.Errorf("opening attachment storage: %w", err)
		}
	}
	apiHandler, err := api.New(api.Options{
		Store: n.Store, Taxonomy: n.Taxonomy, Logger: o.Logger, Now: o.Now,
		RevealTokens: o.RevealTokens, Version: o.Version, Locate: n.Locate, Workflow: n.apiWorkflow(),
		Attachments: files, LookupSecret: secret, Auth: caller, AuthRoutes: n.Auth.Handler(),
		Situation: &api.Situation{Aggregates: n.Situation, Geo: n.Geo, Bus: n.Bus, UnitName: n.unitName},
	})
	if err != nil {
		n.Store.Close()
		return nil, fmt.Errorf("building API: %w", err)
	}
	o311, err := open311.New(open311.Options{Creator: n.Workflow, Store: n.Store, Taxonomy: n.Taxonomy, Geo: n.Geo,
		UnitName: n.unitName, Config: o.Open311, Now: o.Now, Logger: o.Logger})
	if err != nil {
		n.Store.Close()
		return nil, fmt.Errorf("building Open311 endpoint: %w", err)
	}
	limiter, err := ratelimit.New(o.RateLimit)
	if err != nil {
		n.Store.Close()
		return nil, err
	}
	limit := func(h http.Handler, deny ratelimit.Deny) http.Handler {
		client := func(r *http.Request) string { return ratelimit.Client(r, o311.ValidKey) }
		return ratelimit.Middleware(limiter, client, deny, o.Now, h)
	}
	mux := http.NewServeMux()
	problemDeny := ratelimit.ProblemDeny(api.ProblemBase + "rate-limited")
	// Every way in that creates a case, and the citizens' public look-ups
	// (which a guesser could otherwise try phone numbers against).
	for _, pattern := range []string{
		"POST /api/v1/cases", "POST /api/v1/hotline/cases", "POST /api/v1/grid/reports",
		"POST /api/v1/enterprise/requests", "GET /api/v1/public/", "POST /api/v1/public/",
	} {
		mux.Handle(pattern, limit(apiHandler, problemDeny))
	}
	mux.Handle(open311.Prefix, o311)
	mux.Handle("POST "+open311.Prefix+"requests.json", limit(o311, open311.RateLimited))
	mux.Handle("POST "+open311.Prefix+"requests.xml", limit(o311, open311.RateLimited))
	mux.Handle("/api/", apiHandler)
	mux.Handle("/openapi.json", apiHandler)
	mux.Handle("/healthz", apiHandler)
	mux.Handle("/", console.Handler())
	n.routes = mux
	n.Handler = n.Auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.routes.ServeHTTP(w, r) }))
	return n, nil
}

// caller is the API's view of the request's signed-in principal.
func caller(ctx context.Context) (api.Caller, bool) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return nil, false
	}
	return p, true
}

// unitsInForce is the unit directory of the responsibility list in force
// (it changes when the rules are replaced).
type unitsInForce struct{ wf *workflow.Workflow }

func (u unitsInForce) Unit(code string) (dispatch.Unit, error) {
	return u.wf.Engine().Directory().Unit(code)
}

func (u unitsInForce) Children(code string) ([]dispatch.Unit, error) {
	return u.wf.Engine().Directory().Children(code)
}

// attachments builds the attachment service over the directory or the S3
// bucket configured.
func attachments(o Options) (*attach.Service, error) {
	var blobs attach.Blobs
	switch {
	case o.S3 != nil && o.AttachmentsDir != "":
		return nil, errors.New("give an attachment directory or an S3 bucket, not both")
	case o.S3 != nil:
		cfg := *o.S3
		if cfg.Now == nil {
			cfg.Now = o.Now
		}
		s3, err := attach.NewS3(cfg)
		if err != nil {
			return nil, err
		}
		blobs = s3
	case o.AttachmentsDir != "":
		dir, err := attach.NewDir(o.AttachmentsDir)
		if err != nil {
			return nil, err
		}
		blobs = dir
	default:
		return nil, errors.New("no attachment directory or S3 bucket configured")
	}
	return attach.New(attach.Options{Blobs: blobs})
}

// Locate returns the administrative chain of a point as a case location.
// A point outside Wuhan is a *cases.FieldError on location.
func (n *Node) Locate(lat, lon float64) (cases.Location, error) {
	ch, err := n.Geo.Locate(lat, lon)
	if errors.Is(err, geo.ErrOutside) {
		return cases.Location{}, &cases.FieldError{Field: "location",
			Reason: fmt.Sprintf("the point lat %.6f, lon %.6f is outside Wuhan; this platform serves only places inside the city", lat, lon)}
	}
	if err != nil {
		return cases.Location{}, err
	}
	return cases.Location{District: ch.District.Code, Street: ch.Street.Code, Community: ch.Community.Code, Grid: ch.Grid.Code}, nil
}

// unitName names a unit of the responsibility list in force (its code
// when the list does not know it).
func (n *Node) unitName(code string) string {
	if name := n.Workflow.Engine().Directory().Name(code); name != "" {
		return name
	}
	return code
}

// followSituation loads the situation aggregates — from the copy saved in
// the store (situation.DocumentName) caught up with the log when there is
// a usable one, else from the whole log — and keeps them following the
// event stream until Close, saving them every situation.SaveEvery while
// they move on and once more at Close (which waits for that save).
func (n *Node) followSituation(ctx context.Context) error {
	saved := situation.DocumentSaved{Store: n.Store, Name: situation.DocumentName}
	start := time.Now()
	var info situation.Restored
	var err error
	if n.Situation, info, err = situation.Restore(ctx, saved, n.Store, n.log); err != nil {
		return fmt.Errorf("loading situation aggregates: %w", err)
	}
	n.log.Info("situation aggregates loaded", "from_saved", info.FromSaved, "saved_pos", info.SavedPos,
		"caught_up_events", info.CaughtUp, "took", time.Since(start).Round(time.Millisecond))
	follow, stop := context.WithCancel(context.Background())
	ticker := time.NewTicker(situation.SaveEvery)
	kept := make(chan struct{})
	n.stopSit = func() {
		stop()
		<-kept
		ticker.Stop()
	}
	go func() {
		defer close(kept)
		n.Situation.KeepSaved(follow, saved, ticker.C, info.SavedPos, n.log)
	}()
	go func() {
		err := n.Situation.Follow(follow, n.Store, n.Bus, n.log, nil)
		if err != nil && follow.Err() == nil && !errors.Is(err, stream.ErrClosed) {
			n.log.Error("situation aggregates stopped following the event stream", "err", err)
		}
	}()
	return nil
}

// followDuplicates loads the duplicate index from the store and keeps it
// following the event stream until Close.
func (n *Node) followDuplicates(ctx context.Context, now time.Time) error {
	// Seeded from the open cases of the last dupWindow rather than by
	// replaying the whole log (70 s of a 1 M-case start), then caught up
	// from the position the situation aggregates had applied before the
	// seed listed.
	const dupWindow = 30 * 24 * time.Hour
	n.Duplicates = workflow.NewDuplicates(dedup.Options{Window: dupWindow})
	if err := n.Duplicates.Seed(ctx, n.Store, now.Add(-dupWindow), n.Situation.LastPos()); err != nil {
		return fmt.Errorf("loading duplicate index: %w", err)
	}
	if err := n.Duplicates.CatchUp(ctx, n.Store); err != nil {
		return fmt.Errorf("loading duplicate index: %w", err)
	}
	n.Workflow.SetDuplicates(n.Duplicates)
	follow, stop := context.WithCancel(context.Background())
	n.stopDup = stop
	go func() {
		err := n.Duplicates.Follow(follow, n.Store, n.Bus, n.log)
		if err != nil && follow.Err() == nil && !errors.Is(err, stream.ErrClosed) {
			n.log.Error("duplicate index stopped following the event stream", "err", err)
		}
	}()
	return nil
}

// Close stops the stream and closes the store, flushing pending writes.
func (n *Node) Close() error {
	if n.stopSit != nil {
		n.stopSit()
	}
	if n.stopDup != nil {
		n.stopDup()
	}
	if n.Models != nil {
		n.Models.Close()
	}
	n.Bus.Close()
	return n.Store.Close()
}

// Serve serves the API on ln until ctx is cancelled, then shuts down
// gracefully: in-flight requests finish, then the store is flushed. While
// it serves, the workflow follows rule changes made by other nodes.
func (n *Node) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           n.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go n.Workflow.Run(ctx)
	go n.Workflow.RunRelays(ctx) // relay catch-up: replies to merged cases a stopped node missed
	if n.Models != nil {
		go n.Models.Run(ctx)
	}
	go n.purgeSessions(ctx)
	select {
	case err := <-errc:
		return fmt.Errorf("serving HTTP: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutting down HTTP: %w", err)
	}
	return nil
}

// ServeLocal serves the node on a free loopback port until stop is called
// (benchmarks, browser tests); it returns the base URL. stop waits for the
// server to finish and returns its error.
func (n *Node) ServeLocal(ctx context.Context) (base string, stop func() error, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listening on loopback: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- n.Serve(ctx, ln) }()
	return "http://" + ln.Addr().String(), func() error { cancel(); return <-done }, nil
}
