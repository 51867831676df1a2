package sense

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"time"

	"yiwang/internal/sense/lineproto"
)

// JSONBatch is the JSON form of a batch of readings.
type JSONBatch struct {
	Readings []JSONReading `json:"readings"`
}

// JSONReading is one reading in a JSONBatch. Time is RFC 3339, or TimeNs
// nanoseconds since the epoch; neither means the arrival time.
type JSONReading struct {
	Sensor string      `json:"sensor"`
	Value  json.Number `json:"value"`
	Unit   string      `json:"unit,omitempty"`
	Kind   string      `json:"kind,omitempty"`
	Time   string      `json:"time,omitempty"`
	TimeNs int64       `json:"time_ns,omitempty"`
}

// WriteResult answers a write that rejected some readings.
type WriteResult struct {
	Accepted int      `json:"accepted"`
	Rejected int      `json:"rejected"`
	Errors   []string `json:"errors,omitempty"`
}

var parsers = sync.Pool{New: func() any { return new(lineproto.Parser) }}
var bodies = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// ServeHTTP accepts POSTed readings: line protocol (text/plain, the
// default) or a JSONBatch (application/json). Answers: 204 when every
// reading was accepted; 400 with a WriteResult when some were rejected
// (the others are kept, as InfluxDB does); 413 for a body over MaxBody;
// 429 with Retry-After when the queue is full (nothing was read).
func (ing *Ingester) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	b, err := ing.NewBatch(ing.o.Now())
	if err != nil {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "ingest queue full, retry later", http.StatusTooManyRequests)
		return
	}
	bp := bodies.Get().(*[]byte)
	defer bodies.Put(bp)
	body, err := readAll((*bp)[:0], http.MaxBytesReader(w, r.Body, ing.o.MaxBody))
	*bp = body[:0]
	if err != nil {
		ing.Discard(b)
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			ing.Reject("http", ReasonOversize, fmt.Sprintf("body larger than %d bytes", ing.o.MaxBody), nil)
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var res WriteResult
	before := ing.c.snapshotRing()
	if ct == "application/json" {
		res.Rejected = ing.addJSON(b, body)
	} else {
		ps := parsers.Get().(*lineproto.Parser)
		res.Rejected = ing.AddLines(b, ps, body, "http")
		parsers.Put(ps)
	}
	res.Accepted = len(b.Readings)
	ing.Enqueue(b)
	if res.Rejected == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	res.Errors = ing.c.since(before, 10)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(res)
}

func readAll(dst []byte, r io.Reader) ([]byte, error) {
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

func (ing *Ingester) addJSON(b *Batch, body []byte) (rejected int) {
	var jb JSONBatch
	if err := json.Unmarshal(body, &jb); err != nil {
		ing.Reject("http", ReasonMalformed, "JSON batch: "+err.Error(), body)
		return 1
	}
	for _, jr := range jb.Readings {
		in, _ := json.Marshal(jr)
		v, err := strconv.ParseFloat(string(jr.Value), 64)
		if err != nil && !math.IsInf(v, 0) {
			ing.Reject("http", ReasonNotNumber, fmt.Sprintf("value %q is not a number", jr.Value), in)
			rejected++
			continue
		}
		t, has := jr.TimeNs, jr.TimeNs != 0
		if jr.Time != "" {
			tt, err := time.Parse(time.RFC3339Nano, jr.Time)
			if err != nil {
				ing.Reject("http", ReasonMalformed, "time: "+err.Error(), in)
				rejected++
				continue
			}
			t, has = tt.UnixNano(), true
		}
		if !ing.Check(b, "http", []byte(jr.Sensor), []byte(jr.Unit), []byte(jr.Kind), t, has, v, in) {
			rejected++
		}
	}
	return rejected
}
