package open311

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseCreateForm(f *testing.F) {
	f.Add("service_code=010302&lat=30.5&long=114.3&attribute[a]=x&attribute[b][]=1&attribute[b][]=2", "api_key=k")
	f.Add("description=%E5%9E%83%E5%9C%BE&email=a%40b.c", "")
	f.Add("lat=NaN&long=1e400", "jurisdiction_id=x&jurisdiction_id=y")
	f.Add("attribute[=1&attribute[x]]=2&attribute", "")
	f.Add("service_code=%zz", "")
	f.Add("description=a%00b&first_name=%ff", "")
	f.Fuzz(func(t *testing.T, body, rawQuery string) {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		form, err := parseCreateForm(body, q)
		if err != nil {
			if ae := asAPIError(err); ae.status != 400 || len(ae.errs) == 0 {
				t.Fatalf("error %v is not a 400 error list", err)
			}
			return
		}
		for _, v := range []string{form.ServiceCode, form.APIKey, form.Email, form.Phone, form.FirstName, form.LastName,
			form.DeviceID, form.AccountID, form.AddressID, form.JurisdictionID} {
			if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxShort || hasControl(v, false) || v != strings.TrimSpace(v) {
				t.Fatalf("accepted field %q", v)
			}
		}
		if utf8.RuneCountInString(form.Description) > maxDescription || hasControl(form.Description, true) {
			t.Fatalf("accepted description %q", form.Description)
		}
		for code, vs := range form.Attributes {
			if !attrCode.MatchString(code) {
				t.Fatalf("accepted attribute code %q", code)
			}
			for _, v := range vs {
				if v == "" || !utf8.ValidString(v) {
					t.Fatalf("accepted attribute value %q", v)
				}
			}
		}
		// The canonical form is a body that parses to the same request.
		again, err := parseCreateForm(form.canonical, nil)
		if err != nil {
			t.Fatalf("canonical form %q does not parse: %v", form.canonical, err)
		}
		if !reflect.DeepEqual(again, form) {
			t.Fatalf("canonical form parses differently:\n%+v\n%+v", again, form)
		}
	})
}

func FuzzParseW3C(f *testing.F) {
	for _, s := range []string{"2026", "2026-03", "2026-03-02", "2026-03-02T09:30+08:00", "2026-03-02T09:30:00Z",
		"2026-03-02T09:30:00.123456789-05:00", "2026-03-02T09:30:00 08:00", "yesterday", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start, end, err := parseW3C(s)
		if err != nil {
			return
		}
		if !start.Before(end) {
			t.Fatalf("%q: period %v to %v is empty", s, start, end)
		}
		again, _, err := parseW3C(formatTime(start))
		if err != nil || !again.Equal(start.Truncate(1e9)) {
			t.Fatalf("%q: formatted %q reads back as %v (%v), want %v", s, formatTime(start), again, err, start)
		}
	})
}

func FuzzTrailer(f *testing.F) {
	f.Add("垃圾桶满溢", "ADDR-1", "acct", "dev")
	f.Add("", "", "", "")
	f.Add("text\n\n—— Open311 ——\nfake: x", "a", "", "")
	f.Fuzz(func(t *testing.T, desc, addressID, account, device string) {
		for _, s := range []string{addressID, account, device} {
			if strings.ContainsAny(s, "\r\n") {
				return // single-line fields: the form parser refuses line breaks in them
			}
		}
		form := createForm{AddressID: addressID, AccountID: account, DeviceID: device}
		full := withTrailer(desc, form, []string{"attribute[x] 说明: 值"})
		text, fields := splitTrailer(full)
		if text != strings.TrimRight(desc, "\n") {
			t.Fatalf("text %q, want %q", text, desc)
		}
		if fields["address_id"] != addressID && addressID != "" {
			t.Fatalf("address_id %q, want %q", fields["address_id"], addressID)
		}
	})
}
