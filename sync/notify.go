package sync

import (
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"vitals/providers/omron"
	"vitals/store"
)

// MaxNotification is the largest notification body accepted: Omron's are
// a few dozen bytes.
const MaxNotification = 64 << 10

// SecretHeader carries the notification secret when it is not in the path.
const SecretHeader = "X-Vitals-Secret"

// NotifyHandler answers Omron's notifications at path (and, when secret is
// set, at path/<secret>), and asks the engine to fetch what they announce.
//
//   - Only POST; the body is raw JSON of at most MaxNotification bytes
//     (larger: 413).
//   - With a secret, a request must carry it as the last path element or
//     in the X-Vitals-Secret header (compared in constant time; never
//     logged); otherwise it is refused with 403 (404 for a wrong path).
//   - A body that is not a notification is answered 400: Omron retries a
//     non-200 once, and the same body will not parse the second time
//     either, but a 400 shows in the vendor's delivery log, where a 200
//     would hide a broken integration. The daily catch-up fetches what such
//     a notification announced.
//   - Everything else is answered 200 with no body as soon as the engine
//     has been asked, before any fetch: unknown users too (logged, without
//     the body), since the vendor cannot do anything better with an error.
//   - 503 when the database could not be read, so that Omron's one retry
//     may succeed.
func NotifyHandler(e *Engine, path, secret string, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	path = strings.TrimRight(path, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inPath, ok := strings.CutPrefix(r.URL.Path, path)
		if !ok || (inPath != "" && (secret == "" || !strings.HasPrefix(inPath, "/"))) {
			http.NotFound(w, r)
			return
		}
		inPath = strings.TrimPrefix(inPath, "/")
		if secret != "" {
			given := inPath
			if given == "" {
				given = r.Header.Get(SecretHeader)
			}
			if subtle.ConstantTimeCompare([]byte(given), []byte(secret)) != 1 {
				log.Warn("omron notification refused: wrong or missing secret", "remote", r.RemoteAddr, "secret_in_path", inPath != "")
				if inPath != "" {
					http.NotFound(w, r)
				} else {
					http.Error(w, "forbidden", http.StatusForbidden)
				}
				return
			}
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed: Omron notifications are POSTed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxNotification))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				log.Warn("omron notification refused: body too large", "remote", r.RemoteAddr, "limit", MaxNotification)
				http.Error(w, "notification too large", http.StatusRequestEntityTooLarge)
				return
			}
			log.Warn("omron notification: read body", "remote", r.RemoteAddr, "err", err)
			http.Error(w, "could not read the body", http.StatusBadRequest)
			return
		}
		n, err := omron.ParseNotification(body)
		if err != nil {
			log.Warn("omron notification refused: not a notification", "remote", r.RemoteAddr, "err", err, "bytes", len(body))
			http.Error(w, "not an Omron notification", http.StatusBadRequest)
			return
		}
		count, err := e.Notify(r.Context(), store.ProviderOmron, n.UserID, n.Streams(), n.From(time.Now()))
		if err != nil {
			log.Error("omron notification: find the account", "err", err)
			http.Error(w, "try again later", http.StatusServiceUnavailable)
			return
		}
		if count == 0 {
			log.Info("omron notification for an unknown user ignored", "user", n.UserID, "type", n.Type)
		} else {
			log.Info("omron notification", "user", n.UserID, "type", n.Type, "accounts", count)
		}
		w.WriteHeader(http.StatusOK)
	})
}
