package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// timeRender opens the situation screen o.Renders times in headless
// Chromium (fresh profile, no network but loopback) and times each from
// navigation to the screen's data-ready attribute (set after its first
// render). Every request of the browser carries the API token (the node
// serves nothing to anonymous callers).
func timeRender(ctx context.Context, o ConsoleOptions, base, token string, res *ConsoleResult) error {
	profile, err := os.MkdirTemp("", "yiwang-bench-chromium-")
	if err != nil {
		return fmt.Errorf("making the browser profile directory: %w", err)
	}
	defer os.RemoveAll(profile)
	var out bytes.Buffer
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(o.Chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1920, 1080), chromedp.CombinedOutput(&out))
	defer cancelAlloc()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(bctx); err != nil {
		return fmt.Errorf("starting chromium: %w\n%s", err, out.String())
	}
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		return fmt.Errorf("giving the browser the API token: %w", err)
	}
	if _, err := chromedp.Call(bctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": "Bearer " + token}}); err != nil {
		return fmt.Errorf("giving the browser the API token: %w", err)
	}
	var ms []float64
	for i := range o.Renders {
		if i > 0 {
			if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
				return fmt.Errorf("leaving the screen: %w", err)
			}
		}
		t := time.Now()
		err := chromedp.Do(bctx, chromedp.Navigate(base+"/screen.html"),
			chromedp.Poll[chromedp.Void](`document.body && document.body.dataset.ready !== undefined`,
				chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(5*time.Millisecond)))
		if err != nil {
			return fmt.Errorf("waiting for the screen's first render: %w", err)
		}
		ms = append(ms, float64(time.Since(t).Microseconds())/1000)
	}
	cold := ms[0]
	slices.Sort(ms)
	med := ms[len(ms)/2]
	res.FirstRenderMs, res.FirstRenderColdMs = &med, &cold
	return nil
}
