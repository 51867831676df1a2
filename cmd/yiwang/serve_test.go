package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

// TestDemoIntakeFlagIsDemoOnly checks that only `yiwang demo` takes the
// demo intake flag: `serve` (production) refuses it as a usage error.
func TestDemoIntakeFlagIsDemoOnly(t *testing.T) {
	for _, tc := range []struct {
		cmd      string
		run      func(context.Context, []string, *bytes.Buffer, *bytes.Buffer) error
		wantFlag bool
	}{
		{"demo", func(ctx context.Context, a []string, o, e *bytes.Buffer) error { return runDemo(ctx, a, o, e) }, true},
		{"serve", func(ctx context.Context, a []string, o, e *bytes.Buffer) error { return runServe(ctx, a, o, e) }, false},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := tc.run(context.Background(), []string{"-h"}, &out, &errOut)
			if !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("%s -h: err = %v, want flag.ErrHelp", tc.cmd, err)
			}
			if got := strings.Contains(errOut.String(), "-demo-intake"); got != tc.wantFlag {
				t.Errorf("%s -h lists -demo-intake: %t, want %t", tc.cmd, got, tc.wantFlag)
			}
			if tc.wantFlag {
				return
			}
			err = tc.run(context.Background(), []string{"--demo-intake", "5"}, &out, &errOut)
			if !errors.Is(err, errUsage) {
				t.Errorf("%s --demo-intake 5: err = %v, want a usage error", tc.cmd, err)
			}
		})
	}
}
