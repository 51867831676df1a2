package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"yiwang/internal/auth"
	"yiwang/internal/platform"
)

// TestUserCommands adds, lists, disables, enables a user and makes a
// token through the command, against a SQLite file; the password comes
// from a file and is never printed.
func TestUserCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "u.db")
	pwFile := filepath.Join(dir, "pw")
	const password = "s3cret-passw0rd"
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"user"}, append(args, "--db", db)...), &out, &errOut)
		if strings.Contains(out.String()+errOut.String(), password) {
			t.Fatalf("user %v printed the password", args)
		}
		return out.String(), err
	}
	if out, err := cmd("add", "--login", "li.ming", "--name", "李明", "--unit", "chengguan.420102", "--roles", "handler,supervisor", "--password-file", pwFile); err != nil || !strings.Contains(out, "added li.ming") {
		t.Fatalf("add: %q %v", out, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"add", "--login", "li.ming", "--name", "x", "--unit", "chengguan.420102", "--roles", "handler", "--password-file", pwFile}, "exists"},
		{[]string{"add", "--login", "Bad Login", "--name", "x", "--unit", "chengguan.420102", "--roles", "handler", "--password-file", pwFile}, "login"},
		{[]string{"add", "--login", "wang", "--name", "x", "--unit", "nowhere", "--roles", "handler", "--password-file", pwFile}, "unit"},
		{[]string{"add", "--login", "wang", "--name", "x", "--unit", "chengguan.420102", "--roles", "king", "--password-file", pwFile}, "roles"},
		{[]string{"add", "--login", "wang", "--name", "x", "--unit", "chengguan.420102", "--password-file", pwFile}, "--roles"},
		{[]string{"disable", "--login", "nobody"}, "no such user"},
		{[]string{"frobnicate"}, "unknown user subcommand"},
	} {
		if _, err := cmd(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("user %v: err = %v, want it to mention %q", tc.args, err, tc.want)
		}
	}
	if _, err := cmd("disable", "--login", "li.ming"); err != nil {
		t.Fatal(err)
	}
	out, err := cmd("list")
	if err != nil || !strings.Contains(out, "li.ming") || !strings.Contains(out, "handler,supervisor") || !strings.Contains(out, "disabled") {
		t.Fatalf("list: %q %v", out, err)
	}
	if _, err := cmd("enable", "--login", "li.ming"); err != nil {
		t.Fatal(err)
	}
	tok, err := cmd("token", "--login", "li.ming", "--name", "script")
	tok = strings.TrimSpace(tok)
	if err != nil || !strings.HasPrefix(tok, auth.TokenPrefix) {
		t.Fatalf("token: %q %v", tok, err)
	}
	// The stored user signs in with the password from the file, and the
	// token authenticates.
	node, err := platform.Open(ctx, platform.Options{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	if _, _, _, err := node.Auth.SignIn(ctx, "li.ming", password, "test"); err != nil {
		t.Errorf("sign in with the file's password: %v", err)
	}
	if _, _, _, err := node.Auth.SignIn(ctx, "li.ming", password+"\n", "test"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("the newline is not part of the password: %v", err)
	}
}
