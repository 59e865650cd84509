package tracking

import "strings"

// DeviceOf classifies a User-Agent: "tablet", "mobile", "desktop", or
// "other" (a bot, or nothing known). Only this class is kept, never the
// User-Agent.
func DeviceOf(ua string) string {
	u := strings.ToLower(ua)
	switch {
	case u == "" || strings.Contains(u, "bot") || strings.Contains(u, "spider") || strings.Contains(u, "crawl"):
		return "other"
	case strings.Contains(u, "ipad") || strings.Contains(u, "tablet") || strings.Contains(u, "android") && !strings.Contains(u, "mobile"):
		return "tablet"
	case strings.Contains(u, "mobi") || strings.Contains(u, "iphone") || strings.Contains(u, "android"):
		return "mobile"
	case strings.Contains(u, "windows") || strings.Contains(u, "macintosh") || strings.Contains(u, "x11") || strings.Contains(u, "linux"):
		return "desktop"
	}
	return "other"
}

// BrowserOf classifies a User-Agent: "edge", "opera", "samsung",
// "chrome", "firefox", "safari" or "other". The order matters: Edge,
// Opera and Samsung Internet name Chrome too, and Chrome names Safari.
func BrowserOf(ua string) string {
	u := strings.ToLower(ua)
	switch {
	case strings.Contains(u, "edg/") || strings.Contains(u, "edge/"):
		return "edge"
	case strings.Contains(u, "opr/") || strings.Contains(u, "opera"):
		return "opera"
	case strings.Contains(u, "samsungbrowser"):
		return "samsung"
	case strings.Contains(u, "firefox/") || strings.Contains(u, "fxios/"):
		return "firefox"
	case strings.Contains(u, "chrome/") || strings.Contains(u, "crios/"):
		return "chrome"
	case strings.Contains(u, "safari/"):
		return "safari"
	}
	return "other"
}
