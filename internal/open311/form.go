package open311

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// createForm is a POST requests body as GeoReport v2 defines it.
type createForm struct {
	JurisdictionID string
	APIKey         string
	ServiceCode    string
	Lat, Long      *float64
	AddressString  string
	AddressID      string
	Email          string
	DeviceID       string
	AccountID      string
	FirstName      string
	LastName       string
	Phone          string
	Description    string
	MediaURL       string
	// Attributes are the attribute[code] values by code, in the order
	// sent; Multi marks codes sent as attribute[code][].
	Attributes map[string][]string
	Multi      map[string]bool
	// canonical is the whole form encoded with sorted keys: the body's
	// identity for retries.
	canonical string
}

// Limits on the form's fields, in characters.
const (
	maxDescription = 4000 // GeoReport v2: "up to 4,000 characters"
	maxShort       = 200
	maxMediaURL    = 2000
	maxAttrValue   = 500
	maxAttrText    = 4000
	maxAttributes  = 50
)

// singles are the form's single-valued parameters.
var singles = []string{"jurisdiction_id", "api_key", "service_code", "lat", "long", "address_string", "address_id",
	"email", "device_id", "account_id", "first_name", "last_name", "phone", "description", "media_url"}

// parseCreateForm reads a form body merged with the URL query (clients put
// api_key and jurisdiction_id in either). A single-valued parameter given
// twice with different values, bad percent-encoding, invalid UTF-8 or
// control characters are errors; parameters GeoReport v2 does not define
// are ignored. It checks the syntax of each value; the service's rules
// (required attributes, datatypes) are checked later.
func parseCreateForm(body string, query url.Values) (createForm, error) {
	p := &problems{status: 400}
	vals, err := url.ParseQuery(body)
	if err != nil {
		return createForm{}, fail(400, "the request body is not application/x-www-form-urlencoded: %v", err)
	}
	for k, vs := range query {
		vals[k] = append(slices.Clone(vs), vals[k]...)
	}
	f := createForm{Attributes: map[string][]string{}, Multi: map[string]bool{}, canonical: vals.Encode()}
	get := func(name string) string {
		vs := vals[name]
		if len(vs) == 0 {
			return ""
		}
		for _, v := range vs[1:] {
			if v != vs[0] {
				p.add("%s is given more than once with different values", name)
				return ""
			}
		}
		v := strings.TrimSpace(vs[0])
		if !utf8.ValidString(v) {
			p.add("%s is not valid UTF-8", name)
			return ""
		}
		limit, multiline := maxShort, false
		switch name {
		case "description":
			limit, multiline = maxDescription, true
		case "media_url", "address_string":
			limit = maxMediaURL
		}
		if n := utf8.RuneCountInString(v); n > limit {
			p.add("%s is %d characters long, at most %d allowed", name, n, limit)
			return ""
		}
		if hasControl(v, multiline) {
			p.add("%s contains a control character", name)
			return ""
		}
		return v
	}
	fields := map[string]*string{
		"jurisdiction_id": &f.JurisdictionID, "api_key": &f.APIKey, "service_code": &f.ServiceCode,
		"address_string": &f.AddressString, "address_id": &f.AddressID, "email": &f.Email, "device_id": &f.DeviceID,
		"account_id": &f.AccountID, "first_name": &f.FirstName, "last_name": &f.LastName, "phone": &f.Phone,
		"description": &f.Description, "media_url": &f.MediaURL,
	}
	for _, name := range singles {
		v := get(name)
		if dst, ok := fields[name]; ok {
			*dst = v
			continue
		}
		if v == "" {
			continue
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			p.add("%s %q is not a number", name, v)
			continue
		}
		if name == "lat" {
			f.Lat = &x
		} else {
			f.Long = &x
		}
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		if strings.HasPrefix(k, "attribute") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		code, multi, ok := attributeKey(k)
		if !ok {
			p.add("parameter %q is not of the form attribute[code] or attribute[code][]", truncate(k, 60))
			continue
		}
		if _, seen := f.Attributes[code]; !seen && len(f.Attributes) == maxAttributes {
			p.add("at most %d attributes may be sent", maxAttributes)
			break
		}
		for _, v := range vals[k] {
			v = strings.TrimSpace(v)
			switch {
			case !utf8.ValidString(v):
				p.add("attribute[%s] is not valid UTF-8", code)
			case utf8.RuneCountInString(v) > maxAttrText:
				p.add("attribute[%s] is longer than %d characters", code, maxAttrText)
			case hasControl(v, true):
				p.add("attribute[%s] contains a control character", code)
			case v != "":
				f.Attributes[code] = append(f.Attributes[code], v)
			default:
				if _, seen := f.Attributes[code]; !seen {
					f.Attributes[code] = nil // sent empty: counts as missing
				}
			}
		}
		f.Multi[code] = f.Multi[code] || multi
	}
	if err := p.err(); err != nil {
		return createForm{}, err
	}
	return f, nil
}

// attributeKey splits "attribute[code]" and "attribute[code][]".
func attributeKey(k string) (code string, multi bool, ok bool) {
	rest, found := strings.CutPrefix(k, "attribute[")
	if !found {
		return "", false, false
	}
	if c, found := strings.CutSuffix(rest, "][]"); found {
		rest, multi = c, true
	} else if c, found := strings.CutSuffix(rest, "]"); found {
		rest = c
	} else {
		return "", false, false
	}
	if !attrCode.MatchString(rest) {
		return "", false, false
	}
	return rest, multi, true
}

// hasControl reports control characters; multiline text may hold tabs and
// line breaks.
func hasControl(s string, multiline bool) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			return false
		}
		return unicode.IsControl(r)
	}) >= 0
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// describeValue quotes a client's value for an error description.
func describeValue(v string) string { return strconv.Quote(truncate(v, 40)) }
