package platform

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"yiwang/internal/cases"
	"yiwang/internal/natsbus"
	"yiwang/internal/notify"
	"yiwang/internal/store"
)

// natsServer returns the NATS URL for tests, skipping when it is
// unreachable unless services are required.
func natsServer(t *testing.T) (string, jetstream.JetStream) {
	t.Helper()
	url := os.Getenv("YIWANG_TEST_NATS")
	if url == "" {
		url = natsbus.DefaultURL
	}
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	var js jetstream.JetStream
	if err == nil {
		js, err = jetstream.New(nc)
	}
	if err != nil {
		if os.Getenv("YIWANG_REQUIRE_SERVICES") == "1" {
			t.Fatalf("NATS at %s unreachable: %v", url, err)
		}
		t.Skipf("NATS at %s unreachable (set YIWANG_TEST_NATS): %v", url, err)
	}
	t.Cleanup(nc.Close)
	return url, js
}

// TestBackgroundJobs runs a node's background jobs as serve does: an
// overdue case is supervised by the escalation scanner, the supervision
// reaches a webhook with a valid signature, and every committed event is
// published to NATS JetStream.
func TestBackgroundJobs(t *testing.T) {
	natsURL, js := natsServer(t)
	n := openTestNode(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	lat, lon := 30.5431, 114.3160
	c, _, err := n.Workflow.Create(ctx, store.CreateRequest{Actor: "t", Case: cases.NewCase{
		Channel: cases.ChannelHotline, Title: "井盖缺失", Category: "01", Severity: cases.SeverityNormal,
		Location: cases.Location{Lat: &lat, Lon: &lon, District: "420106"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if c.State != cases.StateDispatched {
		t.Fatalf("case not auto-dispatched: %s", c.State)
	}
	past := time.Now().Add(-time.Hour)
	c, _, err = n.Store.Transition(ctx, store.TransitionRequest{ID: c.ID, Command: cases.Command{
		Action: cases.ActionReassign, Actor: "t",
		Payload: cases.Payload{Unit: otherUnit(t, n, c.Unit), Deadlines: &cases.Deadlines{SignOff: &past}},
	}})
	if err != nil {
		t.Fatal(err)
	}

	secret := "s3cret"
	got := make(chan notify.Body, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !notify.Verify([]byte(secret), body, r.Header.Get("X-Yiwang-Signature")) {
			t.Errorf("webhook signature does not verify")
		}
		var b notify.Body
		if err := json.Unmarshal(body, &b); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		got <- b
	}))
	defer hook.Close()

	sfx := hex.EncodeToString([]byte{byte(rand.Uint32()), byte(rand.Uint32()), byte(rand.Uint32())})
	streamName := "YWPLAT_" + sfx
	t.Cleanup(func() {
		js.DeleteStream(context.Background(), streamName)
		js.DeleteKeyValue(context.Background(), "ywplat_"+sfx)
	})

	done := make(chan error, 1)
	go func() {
		done <- n.RunBackground(ctx, BackgroundOptions{
			EscalateInterval: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
			Webhooks: []notify.Webhook{{URL: hook.URL, Secret: secret}},
			NATS:     natsURL, NodeName: "test-" + sfx,
			NATSOptions: natsbus.PublisherOptions{Stream: streamName, Subject: "ywplat." + sfx, Bucket: "ywplat_" + sfx},
		})
	}()
	select {
	case b := <-got:
		if b.Action != cases.ActionSupervise || b.CaseID != c.ID || b.Event.Payload.Clock != cases.ClockSignOff {
			t.Fatalf("webhook got %+v, want a sign-off supervision of %s", b, c.ID)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no supervision reached the webhook")
	}
	hist, _ := n.Store.History(ctx, c.ID)
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := js.Stream(ctx, streamName)
		if err == nil {
			info, err := st.Info(ctx)
			if err == nil && info.State.Msgs >= uint64(len(hist)) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("JetStream stream %s did not receive the case's %d events", streamName, len(hist))
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case err := <-done:
			t.Fatalf("background jobs stopped early: %v", err)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("RunBackground: %v", err)
	}
}

// otherUnit returns a unit of the node's directory other than unit.
func otherUnit(t *testing.T, n *Node, unit string) string {
	t.Helper()
	for _, u := range n.Workflow.Engine().Directory().Units() {
		if u.Code != unit {
			return u.Code
		}
	}
	t.Fatal("directory has one unit")
	return ""
}
