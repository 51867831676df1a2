// Package console owns the operations console's pages, embedded in the
// binary and served at /. It talks to the platform only through the public
// HTTP API, like any other client.
//
// Pages: sign-in (signin.html), the case list (index.html), the situation
// screen (screen.html), the dispatcher/handler/supervisor workbench
// (workbench.html) and the 12345 agents' form (hotline.html). The files
// are public; the API behind them is not. Every page but sign-in loads the
// shared console.js first: it sends the session cookie and the CSRF token
// with every request, sends the user to signin.html?next=<page> when the
// API answers 401, shows who is signed in with a sign-out button, and
// hides what the user's roles may not do. The server records the
// signed-in user as the actor of what the pages do, and decides what each
// user may see and do; the pages only follow.
package console

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Handler serves the console's static files.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}
