package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"yiwang/internal/cases"
)

func TestLockoutRule(t *testing.T) {
	var u User
	now := t0
	for i := 1; i < MaxFailures; i++ {
		if u.recordFailure(now) || u.Locked(now) {
			t.Fatalf("locked after %d failures", i)
		}
	}
	if !u.recordFailure(now) || !u.Locked(now) || !u.Locked(now.Add(LockFor-time.Second)) {
		t.Fatalf("not locked after %d failures: %+v", MaxFailures, u)
	}
	if u.Locked(now.Add(LockFor)) {
		t.Fatal("still locked when the lock ran out")
	}
	// After the lock a single failure does not lock again.
	if u.recordFailure(now.Add(LockFor)) || u.Failures != 1 {
		t.Fatalf("after the lock: %+v", u)
	}
	u.recordSuccess()
	if u.Failures != 0 || !u.LockedUntil.IsZero() {
		t.Fatalf("success did not clear: %+v", u)
	}
}

func TestSignInLockoutAndAudit(t *testing.T) {
	s, c := newService(t)
	ctx := context.Background()
	for i := 1; i < MaxFailures; i++ {
		if _, _, _, err := s.SignIn(ctx, "agent", "wrong-password", "192.0.2.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("failure %d: err = %v, want ErrBadCredentials", i, err)
		}
	}
	_, _, _, err := s.SignIn(ctx, "agent", "wrong-password", "192.0.2.1")
	var le *LockedError
	if !errors.As(err, &le) || !le.Until.Equal(t0.Add(LockFor)) {
		t.Fatalf("5th failure: err = %v, want locked until %v", err, t0.Add(LockFor))
	}
	if _, _, _, err := s.SignIn(ctx, "agent", "demo-agent", "192.0.2.1"); !errors.Is(err, ErrLocked) {
		t.Fatalf("right password while locked: err = %v, want ErrLocked", err)
	}
	// Another user is not affected.
	if _, _, _, err := s.SignIn(ctx, "analyst", "demo-analyst", "192.0.2.2"); err != nil {
		t.Fatalf("another user: %v", err)
	}
	c.add(LockFor)
	if _, _, _, err := s.SignIn(ctx, "agent", "demo-agent", "192.0.2.1"); err != nil {
		t.Fatalf("after the lock ran out: %v", err)
	}
	recs, err := s.Audit(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		if r.Kind == "signin" {
			got = append(got, r.Login+":"+r.Outcome)
		}
	}
	want := []string{"agent:ok", "analyst:ok", "agent:locked", "agent:locked-out",
		"agent:wrong-password", "agent:wrong-password", "agent:wrong-password", "agent:wrong-password"}
	if !slices.Equal(got, want) {
		t.Fatalf("audit, newest first:\n got %v\nwant %v", got, want)
	}
	if recs[0].Remote != "192.0.2.1" || !recs[0].At.Equal(t0.Add(LockFor)) {
		t.Errorf("newest record: %+v", recs[0])
	}
}

func TestSignInRefusals(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	for _, tc := range []struct{ login, pw string }{
		{"nobody", "demo-nobody"}, {"agent", "demo-admin"}, {"AGENT", "demo-agent"}, {"", ""}, {"a\x00b", "x"},
	} {
		if _, _, _, err := s.SignIn(ctx, tc.login, tc.pw, ""); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("%q/%q: err = %v, want ErrBadCredentials", tc.login, tc.pw, err)
		}
	}
	if err := s.SetDisabled(ctx, "agent", true, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.SignIn(ctx, "agent", "demo-agent", ""); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("disabled user: err = %v, want ErrBadCredentials", err)
	}
}

func TestCreateUserValidates(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	good := NewUser{Login: "new.user_1", Name: "新用户", Unit: "chengguan.420102", Roles: []Role{RoleHandler}, Password: "long enough"}
	for _, tc := range []struct {
		field string
		edit  func(*NewUser)
	}{
		{"login", func(n *NewUser) { n.Login = "Ab" }},
		{"login", func(n *NewUser) { n.Login = "with space" }},
		{"name", func(n *NewUser) { n.Name = " " }},
		{"unit", func(n *NewUser) { n.Unit = "" }},
		{"unit", func(n *NewUser) { n.Unit = "nowhere.1" }},
		{"roles", func(n *NewUser) { n.Roles = nil }},
		{"roles[1]", func(n *NewUser) { n.Roles = []Role{RoleHandler, "king"} }},
		{"password", func(n *NewUser) { n.Password = "short" }},
	} {
		n := good
		tc.edit(&n)
		_, err := s.CreateUser(ctx, n)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("want a field error on %s, got %v", tc.field, err)
		}
	}
	u, err := s.CreateUser(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, good); !errors.Is(err, ErrUserExists) {
		t.Errorf("second create: %v", err)
	}
	d, _ := s.st.GetDocument(ctx, UserDocument(u.Login))
	if strings.Contains(string(d.Body), "long enough") || !strings.Contains(string(d.Body), "$argon2id$") {
		t.Errorf("stored user holds the password or no hash: %s", d.Body)
	}
	// A machine user needs no password.
	if _, err := s.CreateUser(ctx, NewUser{Login: "gateway-1", Name: "gateway", Unit: "shuiwu.420100", Roles: []Role{RoleDevice}}); err != nil {
		t.Errorf("device user without password: %v", err)
	}
}

func TestCSRFAndSessions(t *testing.T) {
	s, _ := newService(t)
	h := stack(s)
	cookie, csrf := signIn(t, h, "dispatcher")
	for _, tc := range []struct {
		name   string
		method string
		hdr    []string
		want   int
	}{
		{"GET needs no token", "GET", []string{"Cookie", cookie}, 200},
		{"POST without token", "POST", []string{"Cookie", cookie}, 403},
		{"POST with a wrong token", "POST", []string{"Cookie", cookie, CSRFHeader, randomToken()}, 403},
		{"POST with the token of another session", "POST", []string{"Cookie", cookie, CSRFHeader, strings.ToUpper(csrf)}, 403},
		{"POST with the token", "POST", []string{"Cookie", cookie, CSRFHeader, csrf}, 200},
		{"no cookie", "GET", nil, 401},
		{"forged cookie", "GET", []string{"Cookie", CookieName + "=" + randomToken()}, 401},
		{"malformed cookie", "GET", []string{"Cookie", CookieName + "=x;y"}, 401},
	} {
		r := do(h, tc.method, "/api/v1/cases", "", tc.hdr...)
		if r.code != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, r.code, r.body, tc.want)
		}
		if tc.want == 403 && !strings.Contains(r.body, ProblemCSRF) {
			t.Errorf("%s: not a csrf problem: %s", tc.name, r.body)
		}
	}
	// /me answers the same body as the sign-in, with the CSRF token.
	r := do(h, "GET", "/api/v1/auth/me", "", "Cookie", cookie)
	var me sessionResponse
	if json.Unmarshal([]byte(r.body), &me); r.code != 200 || me.CSRFToken != csrf || me.User.Login != "dispatcher" || me.User.UnitName == "" {
		t.Fatalf("me: %d %s", r.code, r.body)
	}
	// Sign-out needs the token, then the session is gone.
	if r := do(h, "POST", "/api/v1/auth/signout", "", "Cookie", cookie); r.code != 403 {
		t.Fatalf("signout without token: %d", r.code)
	}
	if r := do(h, "POST", "/api/v1/auth/signout", "", "Cookie", cookie, CSRFHeader, csrf); r.code != 204 || !strings.Contains(r.hdr.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("signout: %d %v", r.code, r.hdr)
	}
	if r := do(h, "GET", "/api/v1/cases", "", "Cookie", cookie); r.code != 401 {
		t.Fatalf("after signout: %d", r.code)
	}
}

func TestSignInCookie(t *testing.T) {
	s, c := newService(t)
	h := stack(s)
	r := do(h, "POST", "/api/v1/auth/signin", `{"login":"agent","password":"demo-agent"}`)
	sc := r.hdr.Get("Set-Cookie")
	for _, want := range []string{CookieName + "=", "Path=/", "Max-Age=43200", "HttpOnly", "Secure", "SameSite=Strict"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %q", sc, want)
		}
	}
	cookie := strings.SplitN(sc, ";", 2)[0]
	if r := do(h, "GET", "/x", "", "Cookie", cookie); r.code != 200 || r.body != "agent" {
		t.Fatalf("with the cookie: %d %q", r.code, r.body)
	}
	c.add(SessionTTL)
	if r := do(h, "GET", "/api/v1/cases", "", "Cookie", cookie); r.code != 401 {
		t.Fatalf("expired session: %d", r.code)
	}
	// Wrong password: 401 problem; the 5th: 423 with Retry-After.
	for i := 1; i <= MaxFailures; i++ {
		r := do(h, "POST", "/api/v1/auth/signin", `{"login":"agent","password":"nope-nope"}`)
		want := 401
		if i == MaxFailures {
			want = 423
		}
		if r.code != want {
			t.Fatalf("failure %d: %d %s", i, r.code, r.body)
		}
	}
	r = do(h, "POST", "/api/v1/auth/signin", `{"login":"agent","password":"demo-agent"}`)
	if r.code != 423 || r.hdr.Get("Retry-After") != "901" || !strings.Contains(r.body, ProblemLocked) {
		t.Fatalf("locked: %d %v %s", r.code, r.hdr, r.body)
	}
	for _, body := range []string{`{"login":"agent"`, `{"login":"agent","password":"demo-agent","x":1}`, `[]`} {
		if r := do(h, "POST", "/api/v1/auth/signin", body); r.code != 400 {
			t.Errorf("body %s: %d", body, r.code)
		}
	}
}

func TestDisabledSessionStopsAtOnce(t *testing.T) {
	s, _ := newService(t)
	h := stack(s)
	cookie, _ := signIn(t, h, "handler-jiangan-cg")
	tok, err := s.CreateToken(context.Background(), "handler-jiangan-cg", "script", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, hdr := range [][]string{{"Cookie", cookie}, {"Authorization", "Bearer " + tok}} {
		if r := do(h, "GET", "/api/v1/cases", "", hdr...); r.code != 200 {
			t.Fatalf("before: %d", r.code)
		}
	}
	admin, csrf := signIn(t, h, "admin")
	if r := do(h, "PATCH", "/api/v1/auth/users/handler-jiangan-cg", `{"disabled":true}`, "Cookie", admin, CSRFHeader, csrf); r.code != 200 {
		t.Fatalf("disable: %d %s", r.code, r.body)
	}
	for _, hdr := range [][]string{{"Cookie", cookie}, {"Authorization", "Bearer " + tok}} {
		if r := do(h, "GET", "/api/v1/cases", "", hdr...); r.code != 401 {
			t.Fatalf("after disabling: %d, want 401", r.code)
		}
	}
	if r := do(h, "PATCH", "/api/v1/auth/users/handler-jiangan-cg", `{"disabled":false}`, "Cookie", admin, CSRFHeader, csrf); r.code != 200 {
		t.Fatalf("enable: %d %s", r.code, r.body)
	}
	if r := do(h, "GET", "/api/v1/cases", "", "Cookie", cookie); r.code != 200 {
		t.Fatalf("enabled again: %d", r.code)
	}
}

func TestTokens(t *testing.T) {
	s, c := newService(t)
	h := stack(s)
	admin, csrf := signIn(t, h, "admin")
	if _, err := s.CreateUser(context.Background(), NewUser{Login: "gateway-1", Name: "网关", Unit: "shuiwu.420100", Roles: []Role{RoleDevice}}); err != nil {
		t.Fatal(err)
	}
	r := do(h, "POST", "/api/v1/auth/tokens", `{"login":"gateway-1","name":"sensor gateway","ttl_hours":2}`, "Cookie", admin, CSRFHeader, csrf)
	var out struct{ ID, Token string }
	if json.Unmarshal([]byte(r.body), &out); r.code != 201 || !strings.HasPrefix(out.Token, TokenPrefix) || len(out.ID) != 24 {
		t.Fatalf("create token: %d %s", r.code, r.body)
	}
	bearer := "Bearer " + out.Token
	// A token needs no CSRF token; device may write readings, not read cases.
	if r := do(h, "POST", "/sense/v1/write", "x", "Authorization", bearer); r.code != 200 || r.body != "gateway-1" {
		t.Fatalf("device write: %d %q", r.code, r.body)
	}
	if r := do(h, "GET", "/api/v1/cases", "", "Authorization", bearer); r.code != 403 {
		t.Fatalf("device reading cases: %d, want 403", r.code)
	}
	// A device user has no password: it cannot sign in.
	if r := do(h, "POST", "/api/v1/auth/signin", `{"login":"gateway-1","password":""}`); r.code != 401 {
		t.Fatalf("device sign-in: %d", r.code)
	}
	last := "A" // a token with its last character changed
	if strings.HasSuffix(out.Token, last) {
		last = "B"
	}
	for _, bad := range []string{"Bearer " + out.Token[:len(out.Token)-1] + last, "Bearer yw_x", "Basic abc", "Bearer " + TokenPrefix + randomToken()} {
		if r := do(h, "POST", "/sense/v1/write", "x", "Authorization", bad); r.code != 401 {
			t.Errorf("%q: %d, want 401", bad, r.code)
		}
	}
	c.add(2 * time.Hour)
	if r := do(h, "POST", "/sense/v1/write", "x", "Authorization", bearer); r.code != 401 {
		t.Fatalf("expired token: %d", r.code)
	}
	// Revoking.
	tok, _ := s.CreateToken(context.Background(), "gateway-1", "second", 0)
	id := tokenID(secretHash(tok))
	admin, csrf = signIn(t, h, "admin") // the earlier session expired with the clock
	if r := do(h, "DELETE", "/api/v1/auth/tokens/"+id, "", "Cookie", admin, CSRFHeader, csrf); r.code != 204 {
		t.Fatalf("revoke: %d %s", r.code, r.body)
	}
	if r := do(h, "POST", "/sense/v1/write", "x", "Authorization", "Bearer "+tok); r.code != 401 {
		t.Fatalf("revoked token: %d", r.code)
	}
	if r := do(h, "DELETE", "/api/v1/auth/tokens/"+id, "", "Cookie", admin, CSRFHeader, csrf); r.code != 404 {
		t.Fatalf("revoke twice: %d", r.code)
	}
}

func TestScope(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	principal := func(login string) Principal {
		p, err := s.principal(ctx, login, "session", "")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	loc := func(district, street string) cases.Location {
		return cases.Location{District: district, Street: street}
	}
	jiangan := cases.Case{Unit: "chengguan.420102", Location: loc("420102", "420102002")}
	wuchang := cases.Case{Unit: "shuiwu.420106", Location: loc("420106", "420106002")}
	dazhi := cases.Case{Unit: "shuiwu.420102", Location: loc("420102", "420102002")}
	unlocated := cases.Case{Unit: "", Location: cases.Location{}}
	coUnit := cases.Case{Unit: "shuiwu.420106", CoUnits: []string{"chengguan.420102"}, Location: loc("420106", "")}
	summoned := cases.Case{Unit: "shuiwu.420106", Summons: []cases.Summons{{Unit: "chengguan.420102"}}, Location: loc("420106", "")}
	for _, tc := range []struct {
		login string
		c     cases.Case
		want  bool
	}{
		{"admin", unlocated, true},
		{"dispatcher", unlocated, true}, // a city unit sees the city
		{"analyst", wuchang, true},
		{"handler-jiangan-cg", jiangan, true},
		{"handler-jiangan-cg", wuchang, false},
		{"handler-jiangan-cg", dazhi, false}, // in its district but led by another unit
		{"handler-jiangan-cg", coUnit, true},
		{"handler-jiangan-cg", summoned, true},
		{"handler-jiangan-cg", unlocated, false},
		{"handler-wuchang-sw", wuchang, true},
		{"handler-wuchang-sw", jiangan, false},
		{"inspector", dazhi, true}, // located in its street
		{"inspector", jiangan, true},
		{"inspector", wuchang, false},
	} {
		if got := principal(tc.login).Sees(&tc.c); got != tc.want {
			t.Errorf("%s sees %+v: %v, want %v", tc.login, tc.c, got, tc.want)
		}
	}
	if sc := principal("admin").Scope(); sc != nil {
		t.Errorf("admin scope %+v, want none", sc)
	}
	if sc := principal("handler-jiangan-cg").Scope(); sc == nil || !slices.Equal(sc.Units, []string{"chengguan.420102"}) || len(sc.Areas) != 0 {
		t.Errorf("handler scope %+v", sc)
	}
	if sc := principal("inspector").Scope(); sc == nil || !slices.Contains(sc.Areas, "420102002") {
		t.Errorf("inspector scope %+v", sc)
	}
	// A city bureau's handler sees its district branches' cases.
	if _, err := s.CreateUser(ctx, NewUser{Login: "cg-city", Name: "市城管", Unit: "chengguan.420100", Roles: []Role{RoleHandler}, Password: "long enough"}); err != nil {
		t.Fatal(err)
	}
	if p := principal("cg-city"); !p.Sees(&jiangan) || p.Sees(&wuchang) {
		t.Errorf("city bureau handler: sees jiangan %v, wuchang %v", p.Sees(&jiangan), p.Sees(&wuchang))
	}
	// Masking follows the role.
	for login, want := range map[string]bool{"agent": true, "dispatcher": true, "supervisor": true, "handler-wuchang-sw": true,
		"commander": false, "analyst": false, "inspector": false, "admin": false} {
		if got := principal(login).Reveal(); got != want {
			t.Errorf("%s reveals: %v, want %v", login, got, want)
		}
	}
}

func TestPolicyRoles(t *testing.T) {
	if _, err := newPolicy(map[string]Rule{"GET /x": {Roles: []Role{"king"}}}); err == nil {
		t.Error("unknown role accepted")
	}
	if _, err := newPolicy(map[string]Rule{"GET /x/{a}": public, "GET /x/{b}": public}); err == nil {
		t.Error("conflicting patterns accepted")
	}
}

func TestPurgeSessions(t *testing.T) {
	s, c := newService(t)
	ctx := context.Background()
	h := stack(s)
	old, _ := signIn(t, h, "agent")
	c.add(SessionTTL - time.Minute)
	fresh, _ := signIn(t, h, "analyst")
	c.add(time.Minute)
	n, err := s.PurgeSessions(ctx)
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v; want 1", n, err)
	}
	if r := do(h, "GET", "/x", "", "Cookie", fresh); r.body != "analyst" {
		t.Errorf("the fresh session was purged: %q", r.body)
	}
	if r := do(h, "GET", "/api/v1/cases", "", "Cookie", old); r.code != 401 {
		t.Errorf("the expired session: %d", r.code)
	}
	if docs, _ := s.st.ListDocuments(ctx, sessionPrefix, "", 10); len(docs) != 1 {
		t.Errorf("%d sessions stored, want 1", len(docs))
	}
}

func TestPolicyUnknownPaths(t *testing.T) {
	s, _ := newService(t)
	h := stack(s)
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/api/v1/nothing", 401},
		{"/api", 401},
		{"/sense/v1/x", 401},
		{"/x/../api/v1/cases", 401},
		{"/index.html", 200},
		{"/open311/v2/services.json", 200},
		{"/metrics", 200},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.Path = tc.path
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.want {
			t.Errorf("GET %s: %d, want %d", tc.path, w.Code, tc.want)
		}
	}
}
