package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"yiwang/internal/auth"
	"yiwang/internal/config"
	"yiwang/internal/platform"
)

// runUser manages the platform's users in the store named by --db:
// user add|list|disable|enable|token.
func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const synopsis = "Usage: yiwang user add|list|disable|enable|token [flags]   (yiwang user <sub> -h for its flags)"
	if len(args) == 0 {
		fmt.Fprintln(stderr, synopsis)
		return fmt.Errorf("%w: user needs a subcommand: add, list, disable, enable or token", errUsage)
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet("user "+sub, "[flags]", stderr)
	var login, name, unit, roles, passwordFile string
	var ttl time.Duration
	switch sub {
	case "add":
		fs.StringVar(&login, "login", "", "login: lower-case a-z 0-9 . _ -, 3 to 64 characters (required)")
		fs.StringVar(&name, "name", "", "display name (required)")
		fs.StringVar(&unit, "unit", "", "dispatch unit code, as GET /api/v1/dispatch/units lists (required)")
		fs.StringVar(&roles, "roles", "", "comma-separated roles: "+rolesList()+" (required)")
		fs.StringVar(&passwordFile, "password-file", "-", `file whose first line is the password; "-" reads it from standard input (never from a flag, never echoed); not read for a device-only user given --password-file ""`)
	case "disable", "enable":
		fs.StringVar(&login, "login", "", "the user's login (required)")
	case "token":
		fs.StringVar(&login, "login", "", "the user the token acts as (required)")
		fs.StringVar(&name, "name", "", "what the token is for, e.g. sensor gateway 3 (required)")
		fs.DurationVar(&ttl, "ttl", 0, "lifetime, e.g. 720h; 0 means no expiry")
	case "list":
	case "-h", "--help", "help":
		fmt.Fprintln(stderr, synopsis)
		return nil
	default:
		fmt.Fprintln(stderr, synopsis)
		return fmt.Errorf("%w: unknown user subcommand %q; known: add, list, disable, enable, token", errUsage, sub)
	}
	cfg, rest, err := parseStoreFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: user %s takes no arguments, got %q", errUsage, sub, rest)
	}
	need := map[string]string{"login": login}
	switch sub {
	case "add":
		need["name"], need["unit"], need["roles"] = name, unit, roles
	case "token":
		need["name"] = name
	case "list":
		need = nil
	}
	for flag, v := range need {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("%w: user %s needs --%s", errUsage, sub, flag)
		}
	}
	var password string
	if sub == "add" && passwordFile != "" {
		if password, err = readPassword(passwordFile); err != nil {
			return err
		}
	}
	node, err := platform.Open(ctx, platform.Options{DB: cfg.DB, IDPrefix: cfg.IDPrefix, Logger: cfg.Logger(), Version: version})
	if err != nil {
		return err
	}
	defer node.Close()
	svc := node.Auth
	switch sub {
	case "add":
		var rs []auth.Role
		for _, r := range strings.Split(roles, ",") {
			rs = append(rs, auth.Role(strings.TrimSpace(r)))
		}
		u, err := svc.CreateUser(ctx, auth.NewUser{Login: login, Name: name, Unit: unit, Roles: rs, Password: password})
		if err != nil {
			return fmt.Errorf("adding user: %w", err)
		}
		fmt.Fprintf(stdout, "added %s (%s, unit %s, roles %s)\n", u.Login, u.Name, u.Unit, joinRoles(u.Roles))
	case "list":
		us, err := svc.ListUsers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LOGIN\tNAME\tUNIT\tROLES\tSTATE")
		for _, u := range us {
			state := "enabled"
			if u.Disabled {
				state = "disabled"
			} else if u.Locked(time.Now()) {
				state = "locked until " + u.LockedUntil.Local().Format(time.DateTime)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Login, u.Name, u.Unit, joinRoles(u.Roles), state)
		}
		return tw.Flush()
	case "disable", "enable":
		if err := svc.SetDisabled(ctx, login, sub == "disable", "cli"); err != nil {
			return fmt.Errorf("%s user: %w", sub, err)
		}
		fmt.Fprintf(stdout, "%sd %s\n", sub, login)
	case "token":
		tok, err := svc.CreateToken(ctx, login, name, ttl)
		if err != nil {
			return fmt.Errorf("creating token: %w", err)
		}
		fmt.Fprintf(stderr, "token for %s (shown once; send it as Authorization: Bearer, or YIWANG_TOKEN for yiwang sim):\n", login)
		fmt.Fprintln(stdout, tok)
	}
	return nil
}

// parseStoreFlags registers the node's configuration flags (--db …) on
// fs beside the command's own, parses args and returns the rest.
func parseStoreFlags(fs *flag.FlagSet, args []string) (*config.Config, []string, error) {
	var cfg config.Config
	pending := cfg.Register(fs)
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, err
	}
	if _, err := pending.Finish(os.Getenv); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return &cfg, fs.Args(), nil
}

// readPassword reads the first line of path ("-": standard input).
func readPassword(path string) (string, error) {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("--password-file: %w", err)
		}
		defer f.Close()
		r = f
	}
	line, err := bufio.NewReader(io.LimitReader(r, auth.MaxPasswordLen+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("%w: no password in --password-file %s (the first line is the password)", errUsage, path)
	}
	return line, nil
}

func rolesList() string { return joinRoles(auth.Roles) }

func joinRoles(rs []auth.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}
