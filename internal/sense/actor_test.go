package sense

import (
	"context"
	"net/http/httptest"
	"testing"
)

type ctxKey struct{}

// TestActorOf: a signed-in user (Options.Actor) is recorded whatever the
// client names in ?by= / ?actor=; without sign-in the parameter is used.
func TestActorOf(t *testing.T) {
	signedIn := func(ctx context.Context) (string, bool) {
		name, ok := ctx.Value(ctxKey{}).(string)
		return name, ok
	}
	for _, tc := range []struct {
		name  string
		actor func(context.Context) (string, bool)
		user  string
		query string
		want  string
	}{
		{"no sign-in", nil, "", "?by=张三", "张三"},
		{"signed in overrides", signedIn, "dispatcher", "?by=张三", "dispatcher"},
		{"signed in, no parameter", signedIn, "dispatcher", "", "dispatcher"},
		{"sign-in configured, anonymous request", signedIn, "", "?by=%20李四%20", "李四"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Pipeline{o: Options{Actor: tc.actor}}
			r := httptest.NewRequest("POST", "/alarms/a/ack"+tc.query, nil)
			if tc.user != "" {
				r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, tc.user))
			}
			if got := p.actorOf(r, "by"); got != tc.want {
				t.Errorf("actorOf = %q, want %q", got, tc.want)
			}
		})
	}
}
