package platform

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"yiwang/internal/api"
	"yiwang/internal/auth"
	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// testHash keeps sign-ins quick in tests (the production format and code).
var testHash = auth.HashParams{Memory: 64, Time: 1, Threads: 1}

// asAdmin returns the node's handler with an admin API token added to
// every request that carries no credentials of its own (tests of other
// things than access control).
func asAdmin(t testing.TB, n *Node) http.Handler {
	t.Helper()
	ctx := context.Background()
	if _, err := n.Auth.GetUser(ctx, "test-admin"); errors.Is(err, auth.ErrNoSuchUser) {
		if _, err := n.Auth.CreateUser(ctx, auth.NewUser{Login: "test-admin", Name: "测试管理员", Unit: "zhengfu.420100",
			Roles: []auth.Role{auth.RoleAdmin}, Password: "test-admin-password"}); err != nil {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
	tok, err := n.Auth.CreateToken(ctx, "test-admin", "tests", 0)
	if err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" && r.Header.Get("Cookie") == "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		n.Handler.ServeHTTP(w, r)
	})
}

// authNode is a node with the demo users, a sensor pipeline mounted, a
// device user with a token, and two cases: J led by 江岸区城管 in 大智街道,
// W led by 武昌区水务 in 杨园街道.
type authNode struct {
	n          *Node
	caseJ      string
	caseW      string
	device     string // Authorization header value
	sessionsMu sync.Mutex
	sessions   map[string][2]string // login → cookie, csrf
}

func openAuthNode(t *testing.T) *authNode {
	t.Helper()
	ctx := context.Background()
	n, err := Open(ctx, Options{
		DB:     "sqlite:" + filepath.Join(t.TempDir(), "t.db"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DemoUsers: true, PasswordHash: testHash,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	p, err := n.Sense(SenseOptions{
		Sensors: strings.NewReader("id,kind,unit,lat,lon,owner,interval\nWL1,water_level,m,30.58,114.29,shuiwu.420102,60\n"),
		Rules:   strings.NewReader("rules:\n- {id: wl-high, kind: threshold, sensor: WL1, above: 28.5, category: '0101'}\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	n.MountSense(p)
	a := &authNode{n: n, sessions: map[string][2]string{}}
	a.caseJ = a.newCase(t, "420102", "420102002", "chengguan.420102")
	a.caseW = a.newCase(t, "420106", "420106002", "shuiwu.420106")
	if _, err := n.Auth.CreateUser(ctx, auth.NewUser{Login: "gateway", Name: "传感网关", Unit: "shuiwu.420100", Roles: []auth.Role{auth.RoleDevice}}); err != nil {
		t.Fatal(err)
	}
	tok, err := n.Auth.CreateToken(ctx, "gateway", "sensor gateway", 0)
	if err != nil {
		t.Fatal(err)
	}
	a.device = "Bearer " + tok
	return a
}

// newCase stores a case located in district and street and dispatched
// to unit, and returns its id.
func (a *authNode) newCase(t *testing.T, district, street, unit string) string {
	t.Helper()
	ctx, n := context.Background(), a.n
	{
		lat, lon := 30.58, 114.29
		c, _, err := n.Store.Create(ctx, store.CreateRequest{Actor: "test", Case: cases.NewCase{
			Channel: cases.ChannelHotline, Title: "井盖缺失 " + unit, Category: "01", Severity: cases.SeverityNormal,
			Location: cases.Location{District: district, Street: street, Lat: &lat, Lon: &lon},
			Reporter: cases.Reporter{Name: "张三", Phone: "13812345678"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := n.Store.Transition(ctx, store.TransitionRequest{ID: c.ID, Command: cases.Command{
			Action: cases.ActionDispatch, Actor: "test", Payload: cases.Payload{Unit: unit}}}); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
}

// session signs a demo user in over HTTP (once) and returns its cookie
// and CSRF token.
func (a *authNode) session(t *testing.T, login string) (cookie, csrf string) {
	t.Helper()
	a.sessionsMu.Lock()
	defer a.sessionsMu.Unlock()
	if s, ok := a.sessions[login]; ok {
		return s[0], s[1]
	}
	rec := a.do(t, "", "POST", "/api/v1/auth/signin", `{"login":"`+login+`","password":"demo-`+login+`"}`, false)
	if rec.Code != 200 {
		t.Fatalf("sign in %s: %d %s", login, rec.Code, rec.Body)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	json.Unmarshal(rec.Body.Bytes(), &out)
	for _, c := range rec.Result().Cookies() {
		if c.Name == auth.CookieName {
			cookie = c.Name + "=" + c.Value
		}
	}
	if cookie == "" || out.CSRF == "" {
		t.Fatalf("sign in %s: no cookie or token: %v %s", login, rec.Header(), rec.Body)
	}
	a.sessions[login] = [2]string{cookie, out.CSRF}
	return cookie, out.CSRF
}

// cancelOnWrite ends the request once the handler wrote something (the
// event stream never ends by itself).
type cancelOnWrite struct {
	*httptest.ResponseRecorder
	cancel context.CancelFunc
}

func (c cancelOnWrite) Write(b []byte) (int, error) {
	defer c.cancel()
	return c.ResponseRecorder.Write(b)
}

// do sends a request as who: "" anonymous, "device" the device token,
// else a demo user's session (with its CSRF token when csrf).
func (a *authNode) do(t *testing.T, who, method, path, body string, csrf bool) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, method, path, rd)
	req.RemoteAddr = "192.0.2.10:4000"
	if body != "" && !strings.HasPrefix(path, SensePrefix+"/write") {
		req.Header.Set("Content-Type", "application/json")
	}
	switch who {
	case "":
	case "device":
		req.Header.Set("Authorization", a.device)
	default:
		cookie, token := a.session(t, who)
		req.Header.Set("Cookie", cookie)
		if csrf {
			req.Header.Set(auth.CSRFHeader, token)
		}
	}
	rec := httptest.NewRecorder()
	a.n.Handler.ServeHTTP(cancelOnWrite{rec, cancel}, req)
	return rec
}

// The principals of the matrix.
var (
	staffUsers = []string{"admin", "dispatcher", "supervisor", "commander", "analyst", "agent", "inspector", "handler-jiangan-cg", "handler-wuchang-sw"}
	principals = append(slices.Clone(staffUsers), "device", "")
)

// Who may, as the issue and the contract describe the roles — written
// here independently of auth.Policy, so a wrong policy fails the test.
var (
	anyone     = principals
	signedIn   = append(slices.Clone(staffUsers), "device")
	staff      = staffUsers
	adminOnly  = []string{"admin"}
	handlers   = []string{"handler-jiangan-cg", "handler-wuchang-sw"}
	overview   = []string{"admin", "dispatcher", "supervisor", "commander", "analyst"}
	casework   = append([]string{"admin", "dispatcher", "supervisor", "agent", "commander"}, handlers...)
	intake     = []string{"admin", "dispatcher", "agent", "inspector", "device"}
	hotline    = []string{"admin", "agent", "dispatcher"}
	callers    = []string{"admin", "agent", "dispatcher", "supervisor"}
	suggest    = []string{"admin", "dispatcher", "agent", "inspector"}
	reviewers  = append([]string{"admin", "dispatcher", "supervisor", "agent"}, handlers...)
	entHistory = append([]string{"admin", "dispatcher", "supervisor", "agent", "commander", "analyst"}, handlers...)
	acks       = append([]string{"admin", "dispatcher", "supervisor", "commander"}, handlers...)
	sensorFeed = []string{"admin", "device"}
	// areaViewers see the situation of their areas (handling units have none).
	areaViewers = []string{"admin", "dispatcher", "supervisor", "commander", "analyst", "agent", "inspector"}
)

// inScope says which of the two cases each principal may see: city-wide
// units see both; the inspector sees J (in its street); each handler the
// case its unit leads.
func inScope(who, c string) bool {
	switch who {
	case "admin", "dispatcher", "supervisor", "commander", "analyst", "agent":
		return true
	case "inspector", "handler-jiangan-cg":
		return c == "J"
	case "handler-wuchang-sw":
		return c == "W"
	}
	return false
}

// endpoint is one route of the matrix: who may use it and what an allowed
// request answers. Case routes are tried on a case in and out of scope.
type endpoint struct {
	pattern    string
	path, body string
	who        []string
	ok         int
	caseRoute  bool
}

func endpoints() []endpoint {
	const validCase = `{"channel":"hotline","title":"路灯不亮","category":"01","location":{"lat":30.5431,"lon":114.3160},"reporter":{"phone":"13812345678"}}`
	const validHotline = `{"title":"路灯不亮","category":"01","reporter":{"phone":"13812345678"},"location":{"lat":30.5431,"lon":114.3160}}`
	return []endpoint{
		{pattern: "POST /api/v1/cases", path: "/api/v1/cases", body: validCase, who: intake, ok: 201},
		{pattern: "GET /api/v1/cases", path: "/api/v1/cases", who: staff, ok: 200},
		{pattern: "GET /api/v1/cases/{id}", path: "/api/v1/cases/{case}", who: staff, ok: 200, caseRoute: true},
		{pattern: "POST /api/v1/cases/{id}/transitions", path: "/api/v1/cases/{case}/transitions", body: `{"action":"note","note":"已电话联系"}`, who: casework, ok: 200, caseRoute: true},
		{pattern: "GET /api/v1/cases/{id}/history", path: "/api/v1/cases/{case}/history", who: staff, ok: 200, caseRoute: true},
		{pattern: "GET /api/v1/cases/{id}/actions", path: "/api/v1/cases/{case}/actions", who: staff, ok: 200, caseRoute: true},
		{pattern: "GET /api/v1/cases/{id}/dispatch", path: "/api/v1/cases/{case}/dispatch", who: staff, ok: 200, caseRoute: true},
		{pattern: "POST /api/v1/cases/{id}/calls", path: "/api/v1/cases/{case}/calls", body: `{"caller":{"phone":"13812345678"},"note":"催办"}`, who: callers, ok: 200, caseRoute: true},
		{pattern: "GET /api/v1/dispatch/rules", path: "/api/v1/dispatch/rules", who: overview, ok: 200},
		{pattern: "PUT /api/v1/dispatch/rules", path: "/api/v1/dispatch/rules", body: `{}`, who: adminOnly, ok: 415}, // rules are YAML
		{pattern: "GET /api/v1/dispatch/units", path: "/api/v1/dispatch/units", who: signedIn, ok: 200},
		{pattern: "GET /api/v1/dispatch/returns", path: "/api/v1/dispatch/returns", who: overview, ok: 200},
		{pattern: "GET /api/v1/categories", path: "/api/v1/categories", who: signedIn, ok: 200},
		{pattern: "POST /api/v1/hotline/cases", path: "/api/v1/hotline/cases", body: validHotline, who: hotline, ok: 201},
		{pattern: "GET /api/v1/hotline/context", path: "/api/v1/hotline/context?phone=13812345678", who: callers, ok: 200},
		{pattern: "POST /api/v1/grid/reports", path: "/api/v1/grid/reports", body: `{}`, who: []string{"admin", "inspector"}, ok: 404}, // no attachment storage
		{pattern: "POST /api/v1/enterprise/requests", path: "/api/v1/enterprise/requests", body: `{}`, who: anyone, ok: 422},
		{pattern: "GET /api/v1/enterprise/{code}/cases", path: "/api/v1/enterprise/91420100MA4KXXXX0X/cases", who: entHistory, ok: 400},
		{pattern: "GET /api/v1/public/cases/{id}", path: "/api/v1/public/cases/WH-20991231-999999?phone=13812345678", who: anyone, ok: 404},
		{pattern: "POST /api/v1/public/cases/{id}/rating", path: "/api/v1/public/cases/WH-20991231-999999/rating", body: `{}`, who: anyone, ok: 400},
		{pattern: "GET /api/v1/attachments/{sha256}", path: "/api/v1/attachments/" + strings.Repeat("ab", 32), who: staff, ok: 404},
		{pattern: "GET /api/v1/situation", path: "/api/v1/situation", who: areaViewers, ok: 200},
		{pattern: "GET /api/v1/geo/areas", path: "/api/v1/geo/areas?level=district", who: staff, ok: 200},
		{pattern: "GET /api/v1/hotspots", path: "/api/v1/hotspots?window=7d", who: staff, ok: 200},
		{pattern: "GET /api/hotspots", path: "/api/hotspots?window=7d", who: staff, ok: 200},
		{pattern: "GET /api/v1/stream", path: "/api/v1/stream", who: staff, ok: 200},
		{pattern: "POST /api/v1/suggest", path: "/api/v1/suggest", body: `{"title":"路灯不亮"}`, who: suggest, ok: 200},
		{pattern: "GET /api/v1/nlp/corrections", path: "/api/v1/nlp/corrections", who: overview, ok: 200},
		// The matrix node runs without the classifier: the model routes answer 404 (model_test.go tests them).
		{pattern: "GET /api/v1/nlp/model", path: "/api/v1/nlp/model", who: overview, ok: 404},
		{pattern: "PUT /api/v1/nlp/model", path: "/api/v1/nlp/model", body: `{}`, who: adminOnly, ok: 404},
		{pattern: "POST /api/v1/nlp/retrain", path: "/api/v1/nlp/retrain", who: adminOnly, ok: 404},
		{pattern: "POST /api/v1/review", path: "/api/v1/review", body: `{"message":"路灯不亮","reply":"已安排维修"}`, who: reviewers, ok: 200},
		{pattern: "GET /healthz", path: "/healthz", who: anyone, ok: 200},
		{pattern: "GET /openapi.json", path: "/openapi.json", who: anyone, ok: 200},
		// Identity and access.
		{pattern: "POST /api/v1/auth/signin", path: "/api/v1/auth/signin", body: `{"login":"nobody","password":"wrong-password"}`, who: anyone, ok: 401},
		{pattern: "GET /api/v1/auth/me", path: "/api/v1/auth/me", who: signedIn, ok: 200},
		{pattern: "GET /api/v1/auth/users", path: "/api/v1/auth/users", who: adminOnly, ok: 200},
		{pattern: "POST /api/v1/auth/users", path: "/api/v1/auth/users", body: `{}`, who: adminOnly, ok: 422},
		{pattern: "GET /api/v1/auth/users/{login}", path: "/api/v1/auth/users/agent", who: adminOnly, ok: 200},
		{pattern: "PATCH /api/v1/auth/users/{login}", path: "/api/v1/auth/users/analyst", body: `{"name":"数据分析员"}`, who: adminOnly, ok: 200},
		{pattern: "POST /api/v1/auth/tokens", path: "/api/v1/auth/tokens", body: `{}`, who: adminOnly, ok: 422},
		{pattern: "DELETE /api/v1/auth/tokens/{id}", path: "/api/v1/auth/tokens/" + strings.Repeat("0", 24), who: adminOnly, ok: 404},
		{pattern: "GET /api/v1/auth/audit", path: "/api/v1/auth/audit?limit=5", who: adminOnly, ok: 200},
		// City vital signs.
		{pattern: "POST /sense/v1/write", path: SensePrefix + "/write", body: "water_level,sensor=WL1,unit=m value=20", who: sensorFeed, ok: 204},
		{pattern: "GET /sense/v1/stats", path: SensePrefix + "/stats", who: staff, ok: 200},
		{pattern: "GET /sense/v1/alarms", path: SensePrefix + "/alarms", who: staff, ok: 200},
		{pattern: "POST /sense/v1/alarms/{id}/ack", path: SensePrefix + "/alarms/none/ack?by=x", body: `{}`, who: acks, ok: 404},
		{pattern: "GET /sense/v1/sensors/{id}/readings", path: SensePrefix + "/sensors/WL1/readings", who: staff, ok: 200},
		{pattern: "GET /sense/v1/sensors", path: SensePrefix + "/sensors", who: staff, ok: 200},
		{pattern: "GET /sense/v1/sensors/{id}", path: SensePrefix + "/sensors/WL1", who: staff, ok: 200},
		{pattern: "PUT /sense/v1/sensors", path: SensePrefix + "/sensors", body: `{}`, who: adminOnly, ok: 428}, // If-Match required
		{pattern: "POST /sense/v1/sensors", path: SensePrefix + "/sensors", body: `{}`, who: adminOnly, ok: 422},
		{pattern: "DELETE /sense/v1/sensors/{id}", path: SensePrefix + "/sensors/NOPE", who: adminOnly, ok: 404},
		{pattern: "GET /sense/v1/rules", path: SensePrefix + "/rules", who: staff, ok: 200},
		{pattern: "PUT /sense/v1/rules", path: SensePrefix + "/rules", body: `rules: [`, who: adminOnly, ok: 415}, // JSON content type
		{pattern: "GET /sense/v1/latest", path: SensePrefix + "/latest?area=420102", who: staff, ok: 200},
		{pattern: "GET /sense/v1/indices", path: SensePrefix + "/indices", who: staff, ok: 200},
		{pattern: "PUT /sense/v1/indices", path: SensePrefix + "/indices", body: `{"indices": []}`, who: adminOnly, ok: 428}, // If-Match required
		{pattern: "GET /sense/v1/indices/values", path: SensePrefix + "/indices/values", who: staff, ok: 200},
		{pattern: "GET /sense/v1/indices/stream", path: SensePrefix + "/indices/stream", who: staff, ok: 200},
		// Sign-out last: it ends the session.
		{pattern: "POST /api/v1/auth/signout", path: "/api/v1/auth/signout", who: signedIn, ok: 204},
	}
}

// TestAccessMatrix sends every route as every principal, on a case in and
// out of its scope, and checks the status: 401 anonymous on protected
// routes, 403 for roles that may not, 404 out of scope (as a missing
// case), else the route's own answer.
func TestAccessMatrix(t *testing.T) {
	a := openAuthNode(t)
	eps := endpoints()
	// Every API route is in the matrix, and has a policy entry.
	srv, err := api.New(api.Options{Store: a.n.Store, Taxonomy: a.n.Taxonomy})
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, ep := range eps {
		covered[ep.pattern] = true
		if _, ok := auth.Policy[ep.pattern]; !ok {
			t.Errorf("%s has no entry in auth.Policy", ep.pattern)
		}
	}
	for _, p := range srv.Patterns() {
		if !covered[p] {
			t.Errorf("API route %s is not in the access matrix", p)
		}
	}
	for pattern := range auth.Policy {
		if !covered[pattern] {
			t.Errorf("policy entry %s is not in the access matrix", pattern)
		}
	}
	ids := map[string]string{"J": a.caseJ, "W": a.caseW}
	checked := 0
	for _, ep := range eps {
		method, _, _ := strings.Cut(ep.pattern, " ")
		for _, who := range principals {
			type try struct {
				path string
				want int
			}
			var tries []try
			allowed := slices.Contains(ep.who, who)
			switch {
			case !allowed && who == "":
				tries = []try{{ep.path, 401}}
			case !allowed:
				tries = []try{{ep.path, 403}}
			case !ep.caseRoute:
				tries = []try{{ep.path, ep.ok}}
			default:
				for _, c := range []string{"J", "W"} {
					want := 404
					if inScope(who, c) {
						want = ep.ok
					}
					tries = append(tries, try{strings.ReplaceAll(ep.path, "{case}", ids[c]), want})
				}
			}
			if !allowed && ep.caseRoute {
				tries[0].path = strings.ReplaceAll(ep.path, "{case}", a.caseJ)
			}
			for _, tr := range tries {
				rec := a.do(t, who, method, tr.path, ep.body, true)
				checked++
				if rec.Code != tr.want {
					t.Errorf("%s as %q: %s %s: %d, want %d: %.200s", ep.pattern, who, method, tr.path, rec.Code, tr.want, rec.Body)
				}
			}
		}
	}
	t.Logf("%d requests checked", checked)
}

// TestScopedListsAndHiddenCases: lists hold only the cases in scope, and a
// handler guessing another unit's case id gets exactly a missing case's 404.
func TestScopedListsAndHiddenCases(t *testing.T) {
	a := openAuthNode(t)
	for _, who := range staffUsers {
		for _, q := range []string{"?limit=1000", "?state=dispatched&limit=1000"} {
			rec := a.do(t, who, "GET", "/api/v1/cases"+q, "", false)
			var page struct {
				Cases []struct {
					ID string `json:"id"`
				} `json:"cases"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || rec.Code != 200 {
				t.Fatalf("%s list: %d %s", who, rec.Code, rec.Body)
			}
			var ids []string
			for _, c := range page.Cases {
				ids = append(ids, c.ID)
			}
			if slices.Contains(ids, a.caseJ) != inScope(who, "J") || slices.Contains(ids, a.caseW) != inScope(who, "W") {
				t.Errorf("%s list%s: %v (J=%s in scope %v, W=%s in scope %v)", who, q, ids, a.caseJ, inScope(who, "J"), a.caseW, inScope(who, "W"))
			}
		}
	}
	const missing = "WH-20991231-999999"
	for _, suffix := range []string{"", "/history", "/actions", "/dispatch"} {
		guess := a.do(t, "handler-jiangan-cg", "GET", "/api/v1/cases/"+a.caseW+suffix, "", false)
		none := a.do(t, "handler-jiangan-cg", "GET", "/api/v1/cases/"+missing+suffix, "", false)
		want := strings.ReplaceAll(none.Body.String(), missing, a.caseW)
		if guess.Code != 404 || guess.Body.String() != want || guess.Header().Get("Content-Type") != none.Header().Get("Content-Type") {
			t.Errorf("guessing %s%s: %d %s\nmissing: %d %s", a.caseW, suffix, guess.Code, guess.Body, none.Code, none.Body)
		}
	}
	guess := a.do(t, "handler-jiangan-cg", "POST", "/api/v1/cases/"+a.caseW+"/transitions", `{"action":"accept"}`, true)
	none := a.do(t, "handler-jiangan-cg", "POST", "/api/v1/cases/"+missing+"/transitions", `{"action":"accept"}`, true)
	if guess.Code != 404 || guess.Body.String() != strings.ReplaceAll(none.Body.String(), missing, a.caseW) {
		t.Errorf("transition on a guessed id: %d %s; missing: %s", guess.Code, guess.Body, none.Body)
	}
	if c, _ := a.n.Store.Get(context.Background(), a.caseW); c.State != cases.StateDispatched {
		t.Errorf("the guessed case moved to %s", c.State)
	}
}

// TestCSRFRefusedOnPlatform: a cookie-authenticated unsafe request without
// the CSRF token is refused and changes nothing.
func TestCSRFRefusedOnPlatform(t *testing.T) {
	a := openAuthNode(t)
	before, _ := a.n.Store.History(context.Background(), a.caseJ)
	for _, tc := range []struct {
		method, path, body string
	}{
		{"POST", "/api/v1/cases/" + a.caseJ + "/transitions", `{"action":"note","note":"x"}`},
		{"POST", "/api/v1/cases", `{"channel":"hotline","title":"路灯不亮","category":"01"}`},
		{"POST", "/api/v1/auth/signout", ""},
	} {
		who := "handler-jiangan-cg"
		if tc.path == "/api/v1/cases" {
			who = "agent"
		}
		rec := a.do(t, who, tc.method, tc.path, tc.body, false)
		if rec.Code != 403 || !strings.Contains(rec.Body.String(), auth.ProblemCSRF) {
			t.Errorf("%s %s without CSRF token: %d %s", tc.method, tc.path, rec.Code, rec.Body)
		}
	}
	after, _ := a.n.Store.History(context.Background(), a.caseJ)
	if len(after) != len(before) {
		t.Errorf("history grew from %d to %d events", len(before), len(after))
	}
	if rec := a.do(t, "handler-jiangan-cg", "GET", "/api/v1/cases/"+a.caseJ, "", false); rec.Code != 200 {
		t.Errorf("the session survived the refusals: %d", rec.Code)
	}
}

// TestDisabledUserStopsAtOnce: disabling a user ends its session at its
// very next request.
func TestDisabledUserStopsAtOnce(t *testing.T) {
	a := openAuthNode(t)
	if rec := a.do(t, "handler-jiangan-cg", "GET", "/api/v1/cases/"+a.caseJ, "", false); rec.Code != 200 {
		t.Fatalf("before: %d", rec.Code)
	}
	if rec := a.do(t, "admin", "PATCH", "/api/v1/auth/users/handler-jiangan-cg", `{"disabled":true}`, true); rec.Code != 200 {
		t.Fatalf("disable: %d %s", rec.Code, rec.Body)
	}
	rec := a.do(t, "handler-jiangan-cg", "GET", "/api/v1/cases/"+a.caseJ, "", false)
	if rec.Code != 401 || !strings.Contains(rec.Body.String(), auth.ProblemUnauthenticated) {
		t.Fatalf("after disabling: %d %s", rec.Code, rec.Body)
	}
}

// TestLockoutAndAuditOverHTTP: five wrong passwords lock the login for 15
// minutes (423 with Retry-After, even with the right password), and the
// audit records every attempt.
func TestLockoutAndAuditOverHTTP(t *testing.T) {
	a := openAuthNode(t)
	for i := 1; i <= auth.MaxFailures; i++ {
		rec := a.do(t, "", "POST", "/api/v1/auth/signin", `{"login":"agent","password":"guess-`+string(rune('0'+i))+`"}`, false)
		want := 401
		if i == auth.MaxFailures {
			want = 423
		}
		if rec.Code != want {
			t.Fatalf("attempt %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	rec := a.do(t, "", "POST", "/api/v1/auth/signin", `{"login":"agent","password":"demo-agent"}`, false)
	if rec.Code != 423 || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), auth.ProblemLocked) {
		t.Fatalf("right password while locked: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	rec = a.do(t, "admin", "GET", "/api/v1/auth/audit?limit=20", "", false)
	var out struct {
		Records []auth.AuditRecord `json:"records"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 200 {
		t.Fatalf("audit: %d %s", rec.Code, rec.Body)
	}
	var agent []string
	for _, r := range out.Records {
		if r.Kind == "signin" && r.Login == "agent" {
			agent = append(agent, r.Outcome)
			if r.Remote != "192.0.2.10" {
				t.Errorf("audit record without the client address: %+v", r)
			}
		}
	}
	want := []string{"locked", "locked-out", "wrong-password", "wrong-password", "wrong-password", "wrong-password"}
	if !slices.Equal(agent, want) {
		t.Errorf("agent's audit, newest first: %v, want %v", agent, want)
	}
}

// TestActorAndMaskingOnPlatform: events record the signed-in user whatever
// the body says; phone numbers are shown by role.
func TestActorAndMaskingOnPlatform(t *testing.T) {
	a := openAuthNode(t)
	rec := a.do(t, "handler-jiangan-cg", "POST", "/api/v1/cases/"+a.caseJ+"/transitions",
		`{"action":"note","note":"已到场","actor":"someone-else","actor_unit":"shuiwu.420106"}`, true)
	if rec.Code != 200 {
		t.Fatalf("note: %d %s", rec.Code, rec.Body)
	}
	h, _ := a.n.Store.History(context.Background(), a.caseJ)
	if e := h[len(h)-1]; e.Actor != "handler-jiangan-cg" || e.Unit != "chengguan.420102" {
		t.Errorf("event actor %q unit %q", e.Actor, e.Unit)
	}
	for who, full := range map[string]bool{"handler-jiangan-cg": true, "dispatcher": true, "agent": true, "supervisor": true,
		"admin": false, "analyst": false, "commander": false, "inspector": false} {
		rec := a.do(t, who, "GET", "/api/v1/cases/"+a.caseJ, "", false)
		var c cases.Case
		json.Unmarshal(rec.Body.Bytes(), &c)
		if got := c.Reporter.Phone == "13812345678"; got != full || c.Reporter.Phone == "" {
			t.Errorf("%s sees phone %q (full %v)", who, c.Reporter.Phone, full)
		}
	}
}

// TestActionsByRole: on a case in its scope, a role may take only the
// lifecycle actions of its job; the others are 403 whatever the case's
// state (the lifecycle's own refusals are 409/422, never 403).
func TestActionsByRole(t *testing.T) {
	a := openAuthNode(t)
	bodies := map[cases.Action]string{
		cases.ActionAccept:       `{"action":"accept"}`,
		cases.ActionNote:         `{"action":"note","note":"n"}`,
		cases.ActionDispatch:     `{"action":"dispatch","payload":{"unit":"chengguan.420102"}}`,
		cases.ActionVoid:         `{"action":"void","note":"重复"}`,
		cases.ActionClose:        `{"action":"close"}`,
		cases.ActionSupervise:    `{"action":"supervise","note":"督办"}`,
		cases.ActionRecategorise: `{"action":"recategorise","payload":{"category":"0102"}}`,
		cases.ActionVerify:       `{"action":"verify","payload":{"satisfaction":"satisfied"}}`,
		cases.ActionSummon:       `{"action":"summon","payload":{"units":["shuiwu.420102"]}}`,
		cases.ActionResolve:      `{"action":"resolve","payload":{"reply":"已处理"}}`,
	}
	for _, tc := range []struct {
		who    string
		may    []cases.Action
		mayNot []cases.Action
	}{
		{"handler-jiangan-cg", []cases.Action{cases.ActionAccept, cases.ActionNote, cases.ActionResolve},
			[]cases.Action{cases.ActionDispatch, cases.ActionVoid, cases.ActionClose, cases.ActionSupervise, cases.ActionRecategorise, cases.ActionVerify, cases.ActionSummon}},
		{"dispatcher", []cases.Action{cases.ActionDispatch, cases.ActionVoid, cases.ActionRecategorise, cases.ActionClose, cases.ActionNote},
			[]cases.Action{cases.ActionAccept, cases.ActionResolve}},
		{"agent", []cases.Action{cases.ActionVerify, cases.ActionNote, cases.ActionClose},
			[]cases.Action{cases.ActionDispatch, cases.ActionVoid, cases.ActionAccept, cases.ActionSupervise}},
		{"supervisor", []cases.Action{cases.ActionSupervise, cases.ActionSummon, cases.ActionNote},
			[]cases.Action{cases.ActionVoid, cases.ActionAccept, cases.ActionClose}},
		{"commander", []cases.Action{cases.ActionSummon, cases.ActionSupervise},
			[]cases.Action{cases.ActionDispatch, cases.ActionVoid, cases.ActionAccept}},
		{"admin", []cases.Action{cases.ActionVoid, cases.ActionAccept, cases.ActionDispatch, cases.ActionSupervise}, nil},
	} {
		for _, act := range append(slices.Clone(tc.may), tc.mayNot...) {
			id := a.newCase(t, "420102", "420102002", "chengguan.420102")
			rec := a.do(t, tc.who, "POST", "/api/v1/cases/"+id+"/transitions", bodies[act], true)
			forbidden := rec.Code == http.StatusForbidden
			if want := slices.Contains(tc.mayNot, act); forbidden != want || rec.Code == 404 || rec.Code == 400 {
				t.Errorf("%s %s: %d %.200s (want forbidden %v)", tc.who, act, rec.Code, rec.Body, want)
			}
		}
	}
}

// TestSituationKeepsToTheArea: the inspector's screen defaults to its
// street and refuses another district; the city roles see the city.
func TestSituationKeepsToTheArea(t *testing.T) {
	a := openAuthNode(t)
	area := func(who, q string) (int, string) {
		rec := a.do(t, who, "GET", "/api/v1/situation"+q, "", false)
		var out struct {
			Area struct{ Code string } `json:"area"`
		}
		json.Unmarshal(rec.Body.Bytes(), &out)
		return rec.Code, out.Area.Code
	}
	for _, tc := range []struct {
		who, q   string
		code     int
		wantArea string
	}{
		{"inspector", "", 200, "420102002"},
		{"inspector", "?area=420102002", 200, "420102002"},
		{"inspector", "?area=420106", 403, ""},
		{"inspector", "?area=420102", 403, ""}, // its district is wider than its street
		{"commander", "", 200, "420100"},
		{"commander", "?area=420106", 200, "420106"},
		{"handler-jiangan-cg", "", 403, ""},
	} {
		if code, got := area(tc.who, tc.q); code != tc.code || got != tc.wantArea {
			t.Errorf("%s %s: %d area %q, want %d %q", tc.who, tc.q, code, got, tc.code, tc.wantArea)
		}
	}
}

// TestActionsListFollowRoles: GET …/actions lists only what the caller's
// roles may take, so the console draws no button the server would refuse.
func TestActionsListFollowRoles(t *testing.T) {
	a := openAuthNode(t)
	id := a.newCase(t, "420102", "420102002", "chengguan.420102")
	list := func(who string) []cases.Action {
		rec := a.do(t, who, "GET", "/api/v1/cases/"+id+"/actions", "", false)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", who, rec.Code, rec.Body)
		}
		var out struct{ Actions []cases.Action }
		json.Unmarshal(rec.Body.Bytes(), &out)
		return out.Actions
	}
	admin := list("admin")
	if !slices.Contains(admin, cases.ActionVoid) || !slices.Contains(admin, cases.ActionAccept) {
		t.Fatalf("admin's actions %v lack void or accept", admin)
	}
	for _, who := range []string{"handler-jiangan-cg", "dispatcher", "agent", "supervisor"} {
		got := list(who)
		for _, act := range admin {
			p, err := a.n.Auth.GetUser(context.Background(), who)
			if err != nil {
				t.Fatal(err)
			}
			want := auth.Principal{Roles: p.Roles}.MayAct(act)
			if slices.Contains(got, act) != want {
				t.Errorf("%s: action %s listed %v, want %v (list %v)", who, act, !want, want, got)
			}
		}
	}
	if got := list("handler-jiangan-cg"); slices.Contains(got, cases.ActionVoid) || !slices.Contains(got, cases.ActionAccept) {
		t.Errorf("handler's actions %v: want accept, not void", got)
	}
}

// TestStreamKeepsToScope: a handler's event stream carries the events of
// its unit's cases and none of another unit's, though both happen.
func TestStreamKeepsToScope(t *testing.T) {
	a := openAuthNode(t)
	srv := httptest.NewServer(a.n.Handler)
	defer srv.Close()
	cookie, _ := a.session(t, "handler-jiangan-cg")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/stream", nil)
	req.Header.Set("Cookie", cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	lines := bufio.NewScanner(resp.Body)
	next := func() string {
		t.Helper()
		for lines.Scan() {
			if l := lines.Text(); strings.HasPrefix(l, "data: ") {
				return l
			}
		}
		t.Fatalf("stream ended: %v", lines.Err())
		return ""
	}
	if l := next(); !strings.Contains(l, "retry_ms") { // hello: subscribed
		t.Fatalf("first event %q", l)
	}
	other := a.newCase(t, "420106", "420106002", "shuiwu.420106") // out of scope, first
	mine := a.newCase(t, "420102", "420102002", "chengguan.420102")
	// The other unit's events were published first: had they leaked,
	// they would arrive before the dispatch of the handler's own case (its
	// create may be left out: the case had no unit yet when it was read).
	for {
		l := next()
		if strings.Contains(l, "heartbeat") || strings.Contains(l, `"at":`) && !strings.Contains(l, `"id":`) {
			continue
		}
		if strings.Contains(l, other) || !strings.Contains(l, mine) {
			t.Fatalf("the handler's stream carried %s; want only %s's events", l, mine)
		}
		if strings.Contains(l, `"action":"dispatch"`) {
			return
		}
	}
}
