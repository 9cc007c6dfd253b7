package files

import (
	"os"
	"strings"
	"time"
)

// LocalZone returns the local time zone under its IANA name when the
// system tells it (the TZ variable, or the /etc/localtime link), so that
// an import can say which zone it read zone-less times in. It falls back
// to time.Local, whose name is "Local".
func LocalZone() *time.Location {
	if tz, ok := os.LookupEnv("TZ"); ok {
		name := strings.TrimPrefix(tz, ":")
		if name == "" {
			return time.UTC
		}
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
		return time.Local
	}
	if target, err := os.Readlink("/etc/localtime"); err == nil {
		if i := strings.LastIndex(target, "zoneinfo/"); i >= 0 {
			if loc, err := time.LoadLocation(target[i+len("zoneinfo/"):]); err == nil {
				return loc
			}
		}
	}
	return time.Local
}

// ZoneName names a zone for people: its IANA name, or "the local zone".
func ZoneName(loc *time.Location) string {
	if loc == nil || loc == time.Local || loc.String() == "Local" {
		return "the local zone"
	}
	return loc.String()
}
