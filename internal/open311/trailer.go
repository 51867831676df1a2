package open311

import (
	"strings"
)

// trailerMark opens the block of Open311 fields a case's description
// carries after the citizen's text: the fields the case model has no
// place for (address_id, account_id, device_id, attribute values), one
// "name: value" per line, so that staff see them. GET responses cut it off.
const trailerMark = "—— Open311 ——"

// withTrailer appends the trailer to the description.
func withTrailer(description string, f createForm, attrLines []string) string {
	var lines []string
	for _, kv := range [][2]string{{"address_id", f.AddressID}, {"account_id", f.AccountID}, {"device_id", f.DeviceID}} {
		if kv[1] != "" {
			lines = append(lines, kv[0]+": "+kv[1])
		}
	}
	lines = append(lines, attrLines...)
	if len(lines) == 0 {
		return description
	}
	block := trailerMark + "\n" + strings.Join(lines, "\n")
	if description == "" {
		return block
	}
	return description + "\n\n" + block
}

// splitTrailer returns the citizen's text and the trailer's fields. Only
// the last mark counts, so a mark typed by the citizen stays in the text.
func splitTrailer(description string) (text string, fields map[string]string) {
	i := strings.LastIndex(description, trailerMark)
	if i < 0 || (i > 0 && !strings.HasSuffix(description[:i], "\n\n")) {
		return description, nil
	}
	fields = map[string]string{}
	for _, line := range strings.Split(description[i+len(trailerMark):], "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			fields[k] = v
		}
	}
	return strings.TrimRight(description[:i], "\n"), fields
}
