package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, args []string, env map[string]string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c Config
	p := c.Register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return p.Finish(func(k string) string { return env[k] })
}

func TestPrecedence(t *testing.T) {
	c, err := parse(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DB != "sqlite:./data/yiwang.db" || c.IDPrefix != "WH" {
		t.Fatalf("defaults = %+v", c)
	}
	c, err = parse(t, []string{"--addr", "127.0.0.1:9000"}, map[string]string{"YIWANG_ADDR": ":7000", "YIWANG_DB": "postgres://x/y", "YIWANG_REVEAL_TOKENS": "a, b,"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.DB != "postgres://x/y" || strings.Join(c.RevealTokens, "|") != "a|b" {
		t.Fatalf("flag/env = %+v", c)
	}
	c, err = parse(t, []string{"--escalate-every", "0"}, map[string]string{"YIWANG_WEBHOOKS": "http://a/h, https://b/h"})
	if err != nil || c.EscalateEvery != 0 || len(c.Webhooks) != 2 {
		t.Fatalf("webhooks/escalation = %+v, %v", c, err)
	}
}

func TestValidation(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--db", "mysql://x"}, nil, "--db (YIWANG_DB)"},
		{nil, map[string]string{"YIWANG_ADDR": "8080"}, "--addr (YIWANG_ADDR)"},
		{[]string{"--log-level", "loud"}, nil, "must be one of debug, info, warn, error"},
		{[]string{"--id-prefix", "W-H"}, nil, "--id-prefix"},
		{[]string{"--webhooks", "ftp://x"}, nil, "not an http(s) URL"},
		{[]string{"--escalate-every", "soon"}, nil, "--escalate-every"},
		{nil, map[string]string{"YIWANG_NATS": "http://x"}, "nats:// URL"},
		{[]string{"--s3-endpoint", "http://127.0.0.1:9000"}, nil, "needs --s3-bucket"},
		{[]string{"--s3-path-style", "maybe"}, nil, "true or false"},
		{[]string{"--mqtt-listen", "1883"}, nil, "--mqtt-listen (YIWANG_MQTT_LISTEN)"},
		{[]string{"--open311-public", "web,telegram"}, nil, `--open311-public (YIWANG_OPEN311_PUBLIC) "web,telegram": "telegram" is not a channel`},
		{[]string{"--mqtt", "tcp://127.0.0.1:1883"}, map[string]string{"YIWANG_MQTT_LISTEN": "127.0.0.1:1884"}, "exclude each other"},
	}
	for _, tt := range tests {
		_, err := parse(t, tt.args, tt.env)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v %v: err = %v, want mention of %q", tt.args, tt.env, err, tt.want)
		}
	}
}

// TestClassifierModelOptions: the scheduled retrain defaults to a day,
// the environment and flags set it (0 turns it off), and --model must be
// a readable file used with the classifier on.
func TestClassifierModelOptions(t *testing.T) {
	file := filepath.Join(t.TempDir(), "model.bin")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args      []string
		env       map[string]string
		wantEvery time.Duration
		wantModel string
	}{
		{nil, nil, 24 * time.Hour, ""},
		{nil, map[string]string{"YIWANG_RETRAIN_EVERY": "0"}, 0, ""},
		{[]string{"--retrain-every", "90m"}, map[string]string{"YIWANG_RETRAIN_EVERY": "0"}, 90 * time.Minute, ""},
		{[]string{"--model", file}, nil, 24 * time.Hour, file},
		{nil, map[string]string{"YIWANG_MODEL": file, "YIWANG_RETRAIN_EVERY": "6h"}, 6 * time.Hour, file},
	}
	for _, tt := range tests {
		c, err := parse(t, tt.args, tt.env)
		if err != nil {
			t.Errorf("%v %v: %v", tt.args, tt.env, err)
			continue
		}
		if c.RetrainEvery != tt.wantEvery || c.Model != tt.wantModel {
			t.Errorf("%v %v: retrain every %v, model %q; want %v, %q", tt.args, tt.env, c.RetrainEvery, c.Model, tt.wantEvery, tt.wantModel)
		}
	}
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"--retrain-every", "-1h"}, "--retrain-every (YIWANG_RETRAIN_EVERY)"},
		{[]string{"--retrain-every", "daily"}, "--retrain-every (YIWANG_RETRAIN_EVERY)"},
		{[]string{"--model", filepath.Join(t.TempDir(), "missing.bin")}, "--model (YIWANG_MODEL)"},
		{[]string{"--model", file, "--classifier", "false"}, "--model needs --classifier true"},
	}
	for _, tt := range bad {
		_, err := parse(t, tt.args, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want mention of %q", tt.args, err, tt.want)
		}
	}
}
