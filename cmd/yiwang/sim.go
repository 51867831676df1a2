package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	sensedemo "yiwang/internal/sense/demo"
)

// Bounds of a simulation.
const (
	simMaxDuration = time.Hour
	simMaxRate     = 100_000
)

// runSim runs the simulators: sim sensors.
func runSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "sensors" {
		fmt.Fprintln(stderr, "Usage: yiwang sim sensors [flags]   (plays GENERATED demo sensor readings into a running platform)")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return nil
		}
		return fmt.Errorf("%w: sim needs the subcommand sensors", errUsage)
	}
	fs := newFlagSet("sim sensors", "[flags]", stderr)
	o := simOptions{}
	fs.StringVar(&o.URL, "url", "http://127.0.0.1:8080", "base URL of the running platform (loopback unless --allow-remote)")
	fs.DurationVar(&o.Duration, "duration", 60*time.Second, "how long to play (one simulated day), at most 1h")
	fs.IntVar(&o.Rate, "rate", 400, "readings per second, at most 100000 (each round sends every reporting sensor once)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the noise")
	fs.BoolVar(&o.AllowRemote, "allow-remote", false, "allow a --url that is not a loopback address")
	fs.StringVar(&o.Token, "token", "", "API token of a device or admin user (yiwang user token); default: env YIWANG_TOKEN")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if o.Token == "" {
		o.Token = os.Getenv("YIWANG_TOKEN")
	}
	if err := o.check(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	res, err := simSensors(ctx, o, &http.Client{Timeout: 10 * time.Second})
	fmt.Fprintf(stdout, "sent %d readings in %d requests (%d throttled, %d rejected by the platform)", res.Sent, res.Requests, res.Throttled, res.Rejected)
	if res.AlarmsHidden {
		fmt.Fprintln(stdout, "; alarms not readable with this token (a device token may only write readings)")
	} else {
		fmt.Fprintf(stdout, "; alarms open %d, raised %d\n", res.AlarmsOpen, res.AlarmsRaised)
	}
	return err
}

type simOptions struct {
	URL         string
	Duration    time.Duration
	Rate        int
	Seed        uint64
	AllowRemote bool
	// Token is the API token sent as Authorization: Bearer.
	Token string
}

func (o *simOptions) check() error {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q is not an http(s) URL", o.URL)
	}
	if !o.AllowRemote {
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("--url %q is not a loopback address (give --allow-remote to send elsewhere)", o.URL)
		}
	}
	if o.Duration <= 0 || o.Duration > simMaxDuration {
		return fmt.Errorf("--duration must be more than 0 and at most %v", simMaxDuration)
	}
	if o.Rate <= 0 || o.Rate > simMaxRate {
		return fmt.Errorf("--rate must be 1 to %d", simMaxRate)
	}
	return nil
}

type simResult struct {
	Sent, Requests, Throttled, Rejected int
	AlarmsOpen                          int
	AlarmsRaised                        int64
	// AlarmsHidden: the token may not read the alarms (a device token).
	AlarmsHidden bool
}

// simSensors plays the demo scenario to o.URL/sense/v1/write until the
// duration is over or ctx ends, then reads the platform's alarm counters.
// Each round sends one reading of every reporting sensor; rounds are
// spaced so that the rate holds.
func simSensors(ctx context.Context, o simOptions, hc *http.Client) (simResult, error) {
	var res simResult
	start := time.Now()
	sc := sensedemo.NewScenario(o.Seed, start, o.Duration)
	every := time.Duration(float64(time.Second) * float64(sc.Sensors()) / float64(o.Rate))
	t := time.NewTicker(max(every, time.Millisecond))
	defer t.Stop()
	write := o.URL + "/sense/v1/write"
	var buf []byte
	for now := start; now.Sub(start) < o.Duration; {
		var n int
		buf, n = sc.AppendLines(buf[:0], now)
		res.Requests++
		code, err := post(ctx, hc, write, o.Token, buf)
		switch {
		case err != nil:
			return res, err
		case code == http.StatusUnauthorized || code == http.StatusForbidden:
			return res, fmt.Errorf("POST %s: %d: give an API token of a device or admin user with --token or YIWANG_TOKEN (yiwang user token)", write, code)
		case code == http.StatusTooManyRequests:
			res.Throttled++
		case code == http.StatusBadRequest:
			res.Rejected++ // some readings refused (too late, duplicates…); the rest were kept
			res.Sent += n
		case code/100 != 2:
			return res, fmt.Errorf("POST %s: %d", write, code)
		default:
			res.Sent += n
		}
		select {
		case <-ctx.Done():
			return res, nil
		case now = <-t.C:
		}
	}
	return res, simAlarms(ctx, hc, o.URL, o.Token, &res)
}

func post(ctx context.Context, hc *http.Client, u, token string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "text/plain")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return http.StatusNoContent, nil
		}
		return 0, fmt.Errorf("POST %s: %w", u, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// simAlarms reads the alarm figures of the platform.
func simAlarms(ctx context.Context, hc *http.Client, base, token string, res *simResult) error {
	var stats struct {
		Alarms struct{ Raised int64 } `json:"alarms"`
	}
	var alarms struct {
		Open []json.RawMessage `json:"open"`
	}
	for path, v := range map[string]any{"/sense/v1/stats": &stats, "/sense/v1/alarms": &alarms} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return err
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("GET %s: %w", path, err)
		}
		if resp.StatusCode == http.StatusForbidden {
			resp.Body.Close()
			res.AlarmsHidden = true
			return nil
		}
		err = json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(v)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s: %v", path, strconv.Itoa(resp.StatusCode), err)
		}
	}
	res.AlarmsRaised, res.AlarmsOpen = stats.Alarms.Raised, len(alarms.Open)
	return nil
}
