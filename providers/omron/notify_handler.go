package omron

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"vitals/providers"
	"vitals/store"
)

// MaxNotification is the largest notification body accepted: Omron's are
// a few dozen bytes.
const MaxNotification = 64 << 10

// SecretHeader carries the notification secret when it is not in the path.
const SecretHeader = "X-Vitals-Secret"

// Notifier is told of new readings: the sync engine (*sync.Engine) is
// one. Notify asks for the given streams of the provider's user to be
// fetched from the given time on, and returns how many linked accounts
// that user has (0 for a user vitals does not know); an error means the
// accounts could not be looked up.
type Notifier interface {
	Notify(ctx context.Context, p store.Provider, externalID string, streams []providers.Stream, from time.Time) (int, error)
}

// NotifyHandler answers Omron's notifications at path (and, when secret is
// set, at path/<secret>), and tells n what they announce.
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
//   - Everything else is answered 200 with no body as soon as n has been
//     told, before any fetch: unknown users too (logged, without the
//     body), since the vendor cannot do anything better with an error.
//   - 503 when n could not look the user up (the database could not be
//     read), so that Omron's one retry may succeed.
func NotifyHandler(n Notifier, path, secret string, log *slog.Logger) http.Handler {
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
		note, err := ParseNotification(body)
		if err != nil {
			log.Warn("omron notification refused: not a notification", "remote", r.RemoteAddr, "err", err, "bytes", len(body))
			http.Error(w, "not an Omron notification", http.StatusBadRequest)
			return
		}
		count, err := n.Notify(r.Context(), store.ProviderOmron, note.UserID, note.Streams(), note.From(time.Now()))
		if err != nil {
			log.Error("omron notification: find the account", "err", err)
			http.Error(w, "try again later", http.StatusServiceUnavailable)
			return
		}
		if count == 0 {
			log.Info("omron notification for an unknown user ignored", "user", note.UserID, "type", note.Type)
		} else {
			log.Info("omron notification", "user", note.UserID, "type", note.Type, "accounts", count)
		}
		w.WriteHeader(http.StatusOK)
	})
}
