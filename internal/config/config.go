// Package config owns the platform's settings: one table of options, each
// with its flag, YIWANG_* environment variable, default and validation.
// Flags beat the environment, which beats the default.
package config

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"yiwang/internal/cases"
)

// Config is every setting of a running platform.
type Config struct {
	// Addr is the HTTP listen address.
	Addr string
	// DB is the store: sqlite:PATH or a postgres:// URL.
	DB string
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// LogFormat is text or json.
	LogFormat string
	// RevealTokens are bearer tokens that may see reporters' full contact details.
	RevealTokens []string
	// IDPrefix starts every case id (WH-20261123-000123).
	IDPrefix string
	// Webhooks receive signed notifications of supervisions (督办).
	Webhooks []string
	// WebhookSecret signs webhook bodies (HMAC-SHA256).
	WebhookSecret string
	// EscalateEvery is the time between two deadline scans; 0 turns the
	// escalation scanner off on this node.
	EscalateEvery time.Duration
	// NATS, when set, publishes every committed event to NATS JetStream.
	NATS string
	// Node names this node on the bus (default: host name and process id).
	Node string
	// Attachments is the directory of uploaded photos and files.
	Attachments string
	// SenseData is the directory where sensor readings and alarm state are
	// kept across restarts; empty keeps them in memory only.
	SenseData string
	// LookupSecret signs citizens' lookup tokens (empty: one kept in the store).
	LookupSecret string
	// Open311Keys are the api_keys allowed to create Open311 requests.
	Open311Keys []string
	// Open311Jurisdiction is the jurisdiction_id the Open311 endpoint serves.
	Open311Jurisdiction string
	// Open311Public are the channels whose cases Open311 GET requests
	// shows to anyone (nil: the endpoint's default).
	Open311Public []string
	// S3 keeps attachments in an S3-compatible bucket instead of
	// Attachments when S3Endpoint is set.
	S3Endpoint, S3Region, S3Bucket, S3AccessKey, S3SecretKey string
	S3PathStyle                                              bool
	// Classifier suggests categories with the model kept in the store
	// (trained at the first start when none is).
	Classifier bool
	// Model is a model file (yiwang nlp train --out) stored and put in
	// force at start instead of training; empty: none.
	Model string
	// RetrainEvery is the period of the scheduled retrain of the
	// classifier (one node of those sharing the store retrains per
	// period); 0 turns it off.
	RetrainEvery time.Duration
	// Rate and Burst limit each client's creates and public look-ups
	// (requests per second, bucket size); Rate 0 turns limits off.
	Rate  float64
	Burst int
	// Sensors and SensorRules are the sensor registry (CSV, or GeoJSON or
	// JSON by the file's extension) and its alarm
	// rules (YAML); both or neither. Empty: no sensors in serve, the
	// generated demo set in demo.
	Sensors, SensorRules string
	// MQTT, when set, is the broker whose sensor readings are subscribed
	// to, on topic pattern MQTTTopic.
	MQTT, MQTTTopic string
	// MQTTListen, when set (and MQTT is not), is the TCP address of an
	// embedded MQTT broker the node starts and subscribes to.
	MQTTListen string
}

type option struct {
	name, env, def, usage string
	target                *string
	validate              func(string) error
}

func (c *Config) options(p *Pending) []option {
	return []option{
		{"addr", "YIWANG_ADDR", ":8080", "HTTP listen address", &c.Addr, validateAddr},
		{"db", "YIWANG_DB", "sqlite:./data/yiwang.db", "store: sqlite:PATH or postgres://URL", &c.DB, validateDB},
		{"log-level", "YIWANG_LOG_LEVEL", "info", "log level: debug, info, warn, error", &c.LogLevel, oneOf("debug", "info", "warn", "error")},
		{"log-format", "YIWANG_LOG_FORMAT", "text", "log format: text or json", &c.LogFormat, oneOf("text", "json")},
		{"reveal-tokens", "YIWANG_REVEAL_TOKENS", "", "comma-separated bearer tokens allowed to see reporters' full phone and e-mail", &p.revealTokens, nil},
		{"id-prefix", "YIWANG_ID_PREFIX", "WH", "prefix of case ids", &c.IDPrefix, validatePrefix},
		{"webhooks", "YIWANG_WEBHOOKS", "", "comma-separated http(s) URLs that receive signed notifications of supervisions", &p.webhooks, validateURLs},
		{"webhook-secret", "YIWANG_WEBHOOK_SECRET", "", "secret that signs webhook bodies (X-Yiwang-Signature, HMAC-SHA256)", &c.WebhookSecret, nil},
		{"escalate-every", "YIWANG_ESCALATE_EVERY", "30s", "time between deadline scans that raise 督办 supervisions (0 turns the scanner off on this node)", &p.escalateEvery, validateDuration},
		{"nats", "YIWANG_NATS", "", "NATS server URL; when set, every committed event is published to JetStream", &c.NATS, validateNATS},
		{"node", "YIWANG_NODE", "", "name of this node on the bus (default: host name and process id)", &c.Node, nil},
		{"attachments", "YIWANG_ATTACHMENTS", "./data/attachments", "directory where uploaded photos and files are kept (content-addressed)", &c.Attachments, nonEmpty},
		{"sense-data", "YIWANG_SENSE_DATA", "./data/sense", "directory where sensor readings (compressed blocks, rollups) and alarm state are kept across restarts; empty keeps them in memory only", &c.SenseData, nil},
		{"open311-keys", "YIWANG_OPEN311_KEYS", "", "comma-separated api_keys allowed to create Open311 requests (none: creation is open, for development)", &p.open311Keys, nil},
		{"open311-jurisdiction", "YIWANG_OPEN311_JURISDICTION", "wuhan.gov.cn", "jurisdiction_id served by /open311/v2/", &c.Open311Jurisdiction, nonEmpty},
		{"open311-public", "YIWANG_OPEN311_PUBLIC", "web,app,open311,grid,sensor", "comma-separated channels whose cases Open311 GET requests shows to anyone (12345 calls and enterprises' requests are left out by default)", &p.open311Public, validateChannels},
		{"rate", "YIWANG_RATE", "20", "creates and public look-ups per second allowed to each client (API key or IP); 0 turns limits off", &p.rate, validateNonNegative},
		{"burst", "YIWANG_BURST", "100", "how many requests a client may make at once before --rate applies", &p.burst, validateNonNegative},
		{"s3-endpoint", "YIWANG_S3_ENDPOINT", "", "S3-compatible endpoint URL for attachments (empty: keep them in --attachments)", &c.S3Endpoint, validateOptionalURL},
		{"s3-region", "YIWANG_S3_REGION", "us-east-1", "S3 region", &c.S3Region, nil},
		{"s3-bucket", "YIWANG_S3_BUCKET", "", "S3 bucket for attachments", &c.S3Bucket, nil},
		{"s3-access-key", "YIWANG_S3_ACCESS_KEY", "", "S3 access key", &c.S3AccessKey, nil},
		{"s3-secret-key", "YIWANG_S3_SECRET_KEY", "", "S3 secret key", &c.S3SecretKey, nil},
		{"s3-path-style", "YIWANG_S3_PATH_STYLE", "false", "address the bucket in the path (MinIO, dotted bucket names)", &p.s3PathStyle, validateBool},
		{"classifier", "YIWANG_CLASSIFIER", "true", "suggest categories with the category classifier kept in the database (the first start trains one in the background, ≈ 10 s of CPU)", &p.classifier, validateBool},
		{"model", "YIWANG_MODEL", "", "category classifier model file (yiwang nlp train --out) to store and put in force at start instead of training (empty: the stored model)", &c.Model, validateOptionalFile},
		{"retrain-every", "YIWANG_RETRAIN_EVERY", "24h", "retrain the category classifier once per period of this length (periods aligned on UTC midnight for 24h; one node of those sharing the database retrains; 0 turns it off)", &p.retrainEvery, validateDuration},
		{"sensors", "YIWANG_SENSORS", "", "sensor registry file: CSV, GeoJSON (.geojson: Point features) or JSON (.json) (empty: no sensors in serve, the generated demo set in demo)", &c.Sensors, validateOptionalFile},
		{"sensor-rules", "YIWANG_SENSOR_RULES", "", "sensor alarm rules YAML file (with --sensors)", &c.SensorRules, validateOptionalFile},
		{"mqtt", "YIWANG_MQTT", "", "MQTT broker URL to subscribe to sensor readings, e.g. tcp://127.0.0.1:1883 (empty: none)", &c.MQTT, validateMQTT},
		{"mqtt-listen", "YIWANG_MQTT_LISTEN", "", "address of an embedded MQTT broker to start and subscribe to when there is no --mqtt, e.g. 127.0.0.1:1883 (no sign-in: keep it local; empty: none in serve, a free loopback port in demo)", &c.MQTTListen, validateOptionalAddr},
		{"mqtt-topic", "YIWANG_MQTT_TOPIC", "yiwang/sensors/{sensor}", "MQTT topic pattern of sensor readings; {sensor} marks the sensor id's level", &c.MQTTTopic, validateTopic},
		{"lookup-secret", "YIWANG_LOOKUP_SECRET", "", "secret (32+ bytes) that signs citizens' lookup tokens; empty: a random one kept in the database", &c.LookupSecret, validateSecret},
	}
}

// Register adds the options as flags on fs. Call Finish after fs.Parse.
func (c *Config) Register(fs *flag.FlagSet) *Pending {
	p := &Pending{cfg: c, fs: fs}
	p.opts = c.options(p)
	for _, o := range p.opts {
		fs.StringVar(o.target, o.name, o.def, o.usage+" (env "+o.env+")")
	}
	return p
}

// Pending is a registered configuration waiting for its flags to be parsed.
type Pending struct {
	cfg           *Config
	fs            *flag.FlagSet
	opts          []option
	revealTokens  string
	webhooks      string
	escalateEvery string
	open311Keys   string
	open311Public string
	rate, burst   string
	s3PathStyle   string
	classifier    string
	retrainEvery  string
}

// Finish applies environment variables to options not set by flag, then
// validates everything. Errors name the flag, the variable and the problem.
func (p *Pending) Finish(getenv func(string) string) (*Config, error) {
	set := map[string]bool{}
	p.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, o := range p.opts {
		if !set[o.name] {
			if v := getenv(o.env); v != "" {
				*o.target = v
			}
		}
		if o.validate != nil {
			if err := o.validate(*o.target); err != nil {
				return nil, fmt.Errorf("--%s (%s) %q: %w", o.name, o.env, *o.target, err)
			}
		}
	}
	p.cfg.RevealTokens = splitList(p.revealTokens)
	p.cfg.Webhooks = splitList(p.webhooks)
	p.cfg.EscalateEvery, _ = time.ParseDuration(p.escalateEvery) // validated above
	p.cfg.Open311Keys = splitList(p.open311Keys)
	p.cfg.Open311Public = splitList(p.open311Public)
	p.cfg.Rate, _ = strconv.ParseFloat(p.rate, 64)
	burst, _ := strconv.ParseFloat(p.burst, 64)
	p.cfg.Burst = int(burst)
	p.cfg.S3PathStyle, _ = strconv.ParseBool(p.s3PathStyle)
	p.cfg.Classifier, _ = strconv.ParseBool(p.classifier)
	p.cfg.RetrainEvery, _ = time.ParseDuration(p.retrainEvery) // validated above
	if p.cfg.Model != "" && !p.cfg.Classifier {
		return nil, fmt.Errorf("--model needs --classifier true")
	}
	if p.cfg.S3Endpoint != "" && (p.cfg.S3Bucket == "" || p.cfg.S3AccessKey == "" || p.cfg.S3SecretKey == "") {
		return nil, fmt.Errorf("--s3-endpoint needs --s3-bucket, --s3-access-key and --s3-secret-key")
	}
	if p.cfg.MQTT != "" && p.cfg.MQTTListen != "" {
		return nil, fmt.Errorf("--mqtt and --mqtt-listen exclude each other (subscribe to a broker, or start one)")
	}
	if (p.cfg.Sensors == "") != (p.cfg.SensorRules == "") {
		return nil, fmt.Errorf("--sensors and --sensor-rules go together")
	}
	return p.cfg, nil
}

// Logger builds the process logger from LogLevel and LogFormat.
func (c *Config) Logger() *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	hopts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, hopts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, hopts))
}

func splitList(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func validateURLs(s string) error {
	for _, u := range splitList(s) {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return fmt.Errorf("%q is not an http(s) URL", u)
		}
	}
	return nil
}

func validateNATS(s string) error {
	if s == "" {
		return nil
	}
	pu, err := url.Parse(s)
	if err != nil || (pu.Scheme != "nats" && pu.Scheme != "tls") || pu.Host == "" {
		return fmt.Errorf("must be a nats:// URL")
	}
	return nil
}

func validateDuration(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("must be a duration such as 30s or 5m, or 0")
	}
	return nil
}

func nonEmpty(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("must not be empty")
	}
	return nil
}

func validateSecret(s string) error {
	if s != "" && len(s) < 32 {
		return fmt.Errorf("must be at least 32 bytes long (it is %d)", len(s))
	}
	return nil
}

func validateOptionalURL(s string) error {
	if s == "" {
		return nil
	}
	return validateURLs(s)
}

func validateOptionalFile(s string) error {
	if s == "" {
		return nil
	}
	if st, err := os.Stat(s); err != nil || st.IsDir() {
		return fmt.Errorf("must be a readable file")
	}
	return nil
}

func validateMQTT(s string) error {
	if s == "" {
		return nil
	}
	pu, err := url.Parse(s)
	if err != nil || pu.Host == "" || (pu.Scheme != "tcp" && pu.Scheme != "mqtt" && pu.Scheme != "ssl" && pu.Scheme != "tls" && pu.Scheme != "ws" && pu.Scheme != "wss") {
		return fmt.Errorf("must be a broker URL such as tcp://127.0.0.1:1883")
	}
	return nil
}

func validateTopic(s string) error {
	if strings.Count(s, "{sensor}") != 1 || strings.ContainsAny(s, "+#") {
		return fmt.Errorf("must hold {sensor} once and no wildcards")
	}
	return nil
}

func validateBool(s string) error {
	if _, err := strconv.ParseBool(s); err != nil {
		return fmt.Errorf("must be true or false")
	}
	return nil
}

func validateNonNegative(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f != f {
		return fmt.Errorf("must be a number, 0 or more")
	}
	return nil
}

func validateOptionalAddr(s string) error {
	if s == "" {
		return nil
	}
	return validateAddr(s)
}

func validateAddr(s string) error {
	if _, _, err := net.SplitHostPort(s); err != nil {
		return fmt.Errorf("must be host:port or :port: %w", err)
	}
	return nil
}

func validateDB(s string) error {
	switch {
	case strings.HasPrefix(s, "sqlite:") && len(s) > len("sqlite:"):
		return nil
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		return nil
	}
	return fmt.Errorf("must be sqlite:PATH or a postgres:// URL")
}

func validatePrefix(s string) error {
	if s == "" || len(s) > 8 || strings.ContainsAny(s, "-/ ") {
		return fmt.Errorf("must be 1 to 8 characters without '-', '/' or spaces")
	}
	return nil
}

func oneOf(values ...string) func(string) error {
	return func(s string) error {
		for _, v := range values {
			if s == v {
				return nil
			}
		}
		return fmt.Errorf("must be one of %s", strings.Join(values, ", "))
	}
}

// validateChannels accepts a comma-separated list of case channels.
func validateChannels(s string) error {
	for _, c := range splitList(s) {
		if !slices.Contains(cases.Channels, cases.Channel(c)) {
			return fmt.Errorf("%q is not a channel (one of %v)", c, cases.Channels)
		}
	}
	return nil
}
