package open311

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
)

type clientCreated []struct {
	ID            string  `json:"service_request_id"`
	Token         string  `json:"token"`
	ServiceNotice *string `json:"service_notice"`
	AccountID     *string `json:"account_id"`
}

type clientCreatedXML struct {
	XMLName  xml.Name `xml:"service_requests"`
	Requests []struct {
		ID            string `xml:"service_request_id"`
		Token         string `xml:"token"`
		ServiceNotice string `xml:"service_notice"`
		AccountID     string `xml:"account_id"`
	} `xml:"request"`
}

func TestCreateJSON(t *testing.T) {
	f := newFixture(t, Config{})
	form := validForm(t)
	rec := f.post(t, "requests.json", form)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var out clientCreated
	decodeJSON(t, rec, &out)
	if len(out) != 1 || out[0].ID == "" || out[0].Token != "t-"+out[0].ID || out[0].AccountID == nil || *out[0].AccountID != "acct-9" ||
		out[0].ServiceNotice == nil || *out[0].ServiceNotice == "" {
		t.Fatalf("answer %s", rec.Body)
	}
	c, err := f.st.Get(context.Background(), out[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	lat, lon := pointIn(t, 3)
	checks := []struct {
		what string
		ok   bool
	}{
		{"channel open311", c.Channel == cases.ChannelOpen311},
		{"category is the service", c.Category == codeOf(t, pathSanitation)},
		{"point kept", c.Location.Lat != nil && *c.Location.Lat == lat && *c.Location.Lon == lon},
		{"chain located", c.Location.District != "" && c.Location.Grid != ""},
		{"dispatched by the workflow", c.State == cases.StateDispatched && c.Unit != ""},
		{"reporter name family first", c.Reporter.Name == "王小明"},
		{"reporter contact stored", c.Reporter.Phone == "13812345678" && c.Reporter.Email == "wang@example.com"},
		{"media as attachment", len(c.Attachments) == 1 && c.Attachments[0].URL == "https://img.example.com/a.jpg"},
		{"title from service and text", strings.HasPrefix(c.Title, "环境卫生：小区门口")},
		{"attribute in trailer", strings.Contains(c.Description, "attribute[waste_type] 问题类型: 垃圾桶满溢 (overflow)")},
		{"account and device in trailer", strings.Contains(c.Description, "account_id: acct-9") && strings.Contains(c.Description, "device_id: device-1")},
		{"actor names the key by hash", strings.HasPrefix(mustHistory(t, f, c.ID)[0].Actor, "open311:key-")},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: case %+v", ch.what, c)
		}
	}

	// Read back as a client: the reporter's contact never appears.
	get := f.get(t, "requests/"+c.ID+".json")
	body := get.Body.String()
	for _, secret := range []string{"13812345678", "wang@example.com", "王小明", "小明", "acct-9", "device-1", "—— Open311 ——", "attribute["} {
		if strings.Contains(body, secret) {
			t.Errorf("GET response reveals %q: %s", secret, body)
		}
	}
	var got []Request
	decodeJSON(t, get, &got)
	r := got[0]
	if r.Status != "open" || r.Description == nil || !strings.Contains(*r.Description, "138****5678") || r.AgencyResponsible == nil ||
		r.ExpectedDatetime == nil || r.MediaURL == nil || *r.MediaURL != "https://img.example.com/a.jpg" || r.RequestedDatetime != "2026-03-02T09:30:00+08:00" ||
		r.Address == nil || !strings.HasSuffix(*r.Address, "武汉市") {
		t.Errorf("GET request: %s", body)
	}
}

func mustHistory(t *testing.T, f *fixture, id string) []cases.Event {
	t.Helper()
	h, err := f.st.History(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestCreateXML(t *testing.T) {
	f := newFixture(t, Config{})
	rec := f.post(t, "requests.xml", validForm(t))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var out clientCreatedXML
	decodeXML(t, rec, &out)
	if len(out.Requests) != 1 || out.Requests[0].ID == "" || out.Requests[0].AccountID != "acct-9" || out.Requests[0].Token == "" {
		t.Fatalf("answer %s", rec.Body)
	}
	if f.count(t) != 1 {
		t.Fatalf("%d cases stored, want 1", f.count(t))
	}
}

func TestCreateAddressOnly(t *testing.T) {
	f := newFixture(t, Config{})
	for i, form := range []url.Values{
		{"api_key": {testKey}, "service_code": {codeOf(t, pathPlain)}, "address_string": {"江汉区江汉路 1 号"}},
		{"api_key": {testKey}, "service_code": {codeOf(t, pathPlain)}, "address_id": {"ADDR-77"}},
	} {
		rec := f.post(t, "requests.json", form)
		if rec.Code != 200 {
			t.Fatalf("form %d: %d %s", i, rec.Code, rec.Body)
		}
		var out clientCreated
		decodeJSON(t, rec, &out)
		c, err := f.st.Get(context.Background(), out[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Location.Lat != nil || c.Location.District != "" || c.Location.Address != form.Get("address_string") {
			t.Errorf("form %d: location %+v", i, c.Location)
		}
		var got []Request
		decodeJSON(t, f.get(t, "requests/"+c.ID+".json"), &got)
		if id := form.Get("address_id"); id != "" && (got[0].AddressID == nil || *got[0].AddressID != id) {
			t.Errorf("form %d: address_id not answered: %+v", i, got[0])
		}
		if got[0].Lat != nil || got[0].Long != nil {
			t.Errorf("form %d: lat/long answered for an address-only request", i)
		}
	}
}

func TestCreateBadInput(t *testing.T) {
	lat, lon := pointIn(t, 3)
	long := "https://img.example.com/" + strings.Repeat("a", 2000)
	tests := []struct {
		name   string
		edit   func(url.Values)
		status int
		texts  []string
	}{
		{"missing service_code", func(v url.Values) { v.Del("service_code") }, 400, []string{"service_code is required"}},
		{"unknown service_code", func(v url.Values) { v.Set("service_code", "999999") }, 400, []string{`service_code "999999" is not a service`}},
		{"level-1 code is not a service", func(v url.Values) { v.Set("service_code", "01") }, 400, []string{"is not a service"}},
		{"missing location", func(v url.Values) { v.Del("lat"); v.Del("long") }, 400, []string{"a location is required"}},
		{"lat without long", func(v url.Values) { v.Del("long") }, 400, []string{"lat and long must be given together"}},
		{"lat out of range", func(v url.Values) { v.Set("lat", "91") }, 400, []string{"lat 91"}},
		{"long out of range", func(v url.Values) { v.Set("long", "-181") }, 400, []string{"long -181"}},
		{"lat not a number", func(v url.Values) { v.Set("lat", "north") }, 400, []string{`lat "north" is not a number`}},
		{"lat NaN", func(v url.Values) { v.Set("lat", "NaN") }, 400, []string{"is not a number"}},
		{"outside the city (Beijing)", func(v url.Values) { v.Set("lat", "39.9042"); v.Set("long", "116.4074") }, 400,
			[]string{"lat 39.904200, long 116.407400 is outside Wuhan"}},
		{"required attribute missing", func(v url.Values) { v.Del("attribute[waste_type]") }, 400, []string{"attribute[waste_type] (问题类型) is required"}},
		{"required attribute empty", func(v url.Values) { v.Set("attribute[waste_type]", " ") }, 400, []string{"attribute[waste_type] (问题类型) is required"}},
		{"list attribute not a key", func(v url.Values) { v.Set("attribute[waste_type]", "rubbish") }, 400, []string{`attribute[waste_type] (问题类型) has no choice "rubbish"`}},
		{"number attribute not a number", func(v url.Values) { v.Set("attribute[duration_days]", "three") }, 400, []string{`attribute[duration_days] (问题持续了几天) must be a number, got "three"`}},
		{"single value sent twice", func(v url.Values) { v["attribute[waste_type]"] = []string{"overflow", "dumping"} }, 400, []string{"takes one value, got 2"}},
		{"unknown attribute", func(v url.Values) { v.Set("attribute[colour]", "red") }, 400, []string{"attribute[colour] is not an attribute of service"}},
		{"malformed attribute key", func(v url.Values) { v.Set("attribute[bad key]", "x") }, 400, []string{`"attribute[bad key]" is not of the form`}},
		{"bad api_key", func(v url.Values) { v.Set("api_key", "wrong-key-123") }, 403, []string{"invalid api_key"}},
		{"missing api_key", func(v url.Values) { v.Del("api_key") }, 403, []string{"api_key is required"}},
		{"media_url not http", func(v url.Values) { v.Set("media_url", "javascript:alert(1)") }, 400, []string{"media_url must be an absolute http or https URL"}},
		{"media_url relative", func(v url.Values) { v.Set("media_url", "/img/a.jpg") }, 400, []string{"media_url must be an absolute http or https URL"}},
		{"media_url oversized", func(v url.Values) { v.Set("media_url", long) }, 400, []string{"media_url is 2024 characters long, at most 2000 allowed"}},
		{"description over 4000", func(v url.Values) { v.Set("description", strings.Repeat("长", 4001)) }, 400, []string{"description is 4001 characters long, at most 4000"}},
		{"control character", func(v url.Values) { v.Set("first_name", "a\x00b") }, 400, []string{"first_name contains a control character"}},
		{"bad email", func(v url.Values) { v.Set("email", "not-an-address") }, 400, []string{"email"}},
		{"bad phone", func(v url.Values) { v.Set("phone", "call me") }, 400, []string{"phone"}},
		{"service_code twice", func(v url.Values) { v.Add("service_code", "999999") }, 400, []string{"service_code is given more than once"}},
		{"other jurisdiction", func(v url.Values) { v.Set("jurisdiction_id", "sfgov.org") }, 404, []string{`jurisdiction_id "sfgov.org" is not served here`}},
		{"several problems listed at once", func(v url.Values) { v.Del("attribute[waste_type]"); v.Set("media_url", "ftp://x") }, 400,
			[]string{"attribute[waste_type]", "media_url"}},
	}
	_ = lat
	_ = lon
	f := newFixture(t, Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := validForm(t)
			tt.edit(form)
			wantErrors(t, f.post(t, "requests.json", form), tt.status, tt.texts...)
			if n := f.count(t); n != 0 {
				t.Fatalf("%d cases stored after a refused create", n)
			}
		})
	}
}

func TestCreateBadRequestShape(t *testing.T) {
	f := newFixture(t, Config{MaxBodyBytes: 4096})
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		text        string
	}{
		{"json body", "application/json", `{"service_code":"1"}`, 400, "Content-Type"},
		{"multipart", "multipart/form-data; boundary=x", "--x--", 400, "Content-Type"},
		{"latin-1 charset", "application/x-www-form-urlencoded; charset=iso-8859-1", "a=b", 400, "charset"},
		{"bad escape", "application/x-www-form-urlencoded", "service_code=%zz", 400, "not application/x-www-form-urlencoded"},
		{"too large", "application/x-www-form-urlencoded", "description=" + strings.Repeat("a", 5000), 413, "larger than the limit of 4096 bytes"},
		{"invalid utf-8", "application/x-www-form-urlencoded", "api_key=" + testKey + "&description=%ff%fe", 400, "description is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, Prefix+"requests.json", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.contentType)
			wantErrors(t, f.do(t, req), tt.status, tt.text)
			if n := f.count(t); n != 0 {
				t.Fatalf("%d cases stored", n)
			}
		})
	}
}

func TestCreateErrorsXML(t *testing.T) {
	f := newFixture(t, Config{})
	form := validForm(t)
	form.Set("api_key", "wrong-key-123")
	rec := f.post(t, "requests.xml", form)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("status %d", rec.Code)
	}
	var errs clientErrorsXML
	decodeXML(t, rec, &errs)
	if len(errs.Errors) != 1 || errs.Errors[0].Code != 403 || !strings.Contains(errs.Errors[0].Description, "api_key") {
		t.Fatalf("errors %s", rec.Body)
	}
}

func TestCreateApiKeyInQuery(t *testing.T) {
	f := newFixture(t, Config{})
	form := validForm(t)
	form.Del("api_key")
	req := httptest.NewRequest(http.MethodPost, Prefix+"requests.json?api_key="+testKey+"&jurisdiction_id="+DefaultJurisdictionID,
		strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if rec := f.do(t, req); rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}

func TestCreateOpenWithoutKeys(t *testing.T) {
	f := newFixture(t, Config{APIKeys: []string{}})
	form := validForm(t)
	form.Del("api_key")
	if rec := f.post(t, "requests.json", form); rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	h := mustHistory(t, f, firstID(t, f))
	if h[0].Actor != "open311:anonymous" {
		t.Fatalf("actor %q", h[0].Actor)
	}
}

func firstID(t *testing.T, f *fixture) string {
	t.Helper()
	page, err := f.st.List(context.Background(), storeFilterAll)
	if err != nil || len(page.Cases) == 0 {
		t.Fatalf("no case stored (%v)", err)
	}
	return page.Cases[0].ID
}

func TestCreateMultiValueList(t *testing.T) {
	f := newFixture(t, Config{})
	lat, lon := pointIn(t, 5)
	base := url.Values{"api_key": {testKey}, "service_code": {codeOf(t, pathWater)}, "lat": {ftoa(lat)}, "long": {ftoa(lon)}}
	tests := []struct {
		name  string
		attrs url.Values
		ok    bool
		shown string
	}{
		{"brackets", url.Values{"attribute[issue][]": {"outage", "leak"}}, true, "停水 (outage), 管道漏水 (leak)"},
		{"repeated plain key", url.Values{"attribute[issue]": {"quality", "low_pressure"}}, true, "水质异常 (quality), 水压低 (low_pressure)"},
		{"one value", url.Values{"attribute[issue][]": {"leak"}}, true, "管道漏水 (leak)"},
		{"unknown key", url.Values{"attribute[issue][]": {"outage", "fire"}}, false, ""},
		{"duplicate key", url.Values{"attribute[issue][]": {"outage", "outage"}}, false, ""},
		{"datetime ok", url.Values{"attribute[issue][]": {"leak"}, "attribute[since]": {"2026-03-01"}}, true, "2026-03-01T00:00:00+08:00"},
		{"datetime bad", url.Values{"attribute[issue][]": {"leak"}, "attribute[since]": {"last night"}}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{}
			for k, v := range base {
				form[k] = v
			}
			for k, v := range tt.attrs {
				form[k] = v
			}
			form.Set("description", tt.name) // distinct bodies
			before := f.count(t)
			rec := f.post(t, "requests.json", form)
			if !tt.ok {
				wantErrors(t, rec, 400, "attribute[")
				if f.count(t) != before {
					t.Fatal("a refused create stored a case")
				}
				return
			}
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var out clientCreated
			decodeJSON(t, rec, &out)
			c, _ := f.st.Get(context.Background(), out[0].ID)
			if !strings.Contains(c.Description, tt.shown) {
				t.Fatalf("description %q lacks %q", c.Description, tt.shown)
			}
		})
	}
}

func TestCreateInformationalAttributeTakesNoValue(t *testing.T) {
	f := newFixture(t, Config{})
	lat, lon := pointIn(t, 7)
	form := url.Values{"api_key": {testKey}, "service_code": {codeOf(t, pathFacility)}, "lat": {ftoa(lat)}, "long": {ftoa(lon)},
		"attribute[facility]": {"manhole"}, "attribute[safety_note]": {"x"}}
	wantErrors(t, f.post(t, "requests.json", form), 400, "attribute[safety_note]", "informational")
	form.Del("attribute[safety_note]")
	if rec := f.post(t, "requests.json", form); rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}

func TestCreateRetries(t *testing.T) {
	f := newFixture(t, Config{DedupWindow: 10 * time.Minute})
	create := func(form url.Values) string {
		t.Helper()
		rec := f.post(t, "requests.json", form)
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var out clientCreated
		decodeJSON(t, rec, &out)
		return out[0].ID
	}
	f.clock.Advance(8 * time.Minute) // 09:38, two minutes before an aligned window ends
	form := validForm(t)
	first := create(form)
	f.clock.Advance(time.Second)
	if again := create(form); again != first {
		t.Fatalf("retry created %s, want the first case %s", again, first)
	}
	// Field order does not matter: the fingerprint sorts keys.
	if again := create(url.Values(form)); again != first {
		t.Fatalf("retry created %s", again)
	}
	other := validForm(t)
	other.Set("description", "另一件事")
	second := create(other)
	if second == first {
		t.Fatal("a different body was taken for a retry")
	}
	dev := validForm(t)
	dev.Set("device_id", "device-2")
	if create(dev) == first {
		t.Fatal("another device's identical body was taken for a retry")
	}
	// Crossing an aligned window boundary on the same node still finds
	// the first case; after the window a resend is a new request.
	f.clock.Advance(3 * time.Minute) // 09:41, in the next aligned window
	if again := create(form); again != first {
		t.Fatalf("retry after 3 minutes, across a window boundary, created %s, want %s", again, first)
	}
	f.clock.Advance(7 * time.Minute) // 09:48:01, ten minutes after the first
	if again := create(form); again == first {
		t.Fatal("a resend after the window was taken for a retry")
	}
	// Without a device_id nothing is deduplicated.
	anon := validForm(t)
	anon.Del("device_id")
	a1, a2 := create(anon), create(anon)
	if a1 == a2 {
		t.Fatal("requests without device_id were deduplicated")
	}
	if n := f.count(t); n != 6 {
		t.Fatalf("%d cases stored, want 6", n)
	}
}

// TestCreateRetryAcrossNodes: a second server over the same store (another
// node, empty memory) recognises a retry within the same aligned window.
func TestCreateRetryAcrossNodes(t *testing.T) {
	f := newFixture(t, Config{})
	rec := f.post(t, "requests.json", validForm(t))
	var first clientCreated
	decodeJSON(t, rec, &first)

	idx, tax := shared(t)
	node2, err := New(Options{Creator: f.srv.creator, Store: f.st, Taxonomy: tax, Geo: idx, Now: f.clock.Now,
		Config: Config{APIKeys: []string{testKey}}})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(30 * time.Second)
	f2 := &fixture{srv: node2, st: f.st, clock: f.clock, h: node2}
	var again clientCreated
	decodeJSON(t, f2.post(t, "requests.json", validForm(t)), &again)
	if again[0].ID != first[0].ID {
		t.Fatalf("node 2 created %s for a retry of %s", again[0].ID, first[0].ID)
	}
}

// TestCreateConcurrentRetries: identical posts racing on one node create
// one case; every answer names it.
func TestCreateConcurrentRetries(t *testing.T) {
	f := newFixture(t, Config{})
	form := validForm(t)
	ids := make(chan string, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			rec := f.post(t, "requests.json", form)
			var out clientCreated
			if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
				t.Errorf("status %d: %s", rec.Code, rec.Body)
				ids <- ""
				return
			}
			ids <- out[0].ID
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	if len(seen) != 1 || f.count(t) != 1 {
		t.Fatalf("answers name %v; %d cases stored, want 1", seen, f.count(t))
	}
}
