// Package console owns the operations console's pages, embedded in the
// binary and served at /. It talks to the platform only through the public
// HTTP API, like any other client.
//
// Pages: the case list (index.html), the situation screen (screen.html),
// the dispatcher/handler/supervisor workbench (workbench.html) and the 12345
// agents' form (hotline.html). Sign-in and roles are not built yet: the
// pages act as whatever actor the user types.
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
