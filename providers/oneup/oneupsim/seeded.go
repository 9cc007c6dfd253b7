package oneupsim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

// SeededAppUserID is the app_user_id of seeded user i (from 0) of
// Options.Population: patient-0042.
func SeededAppUserID(i int) string { return fmt.Sprintf("patient-%04d", i) }

// User is one user of the server.
type User struct {
	ID        int64  `json:"oneup_user_id"`
	AppUserID string `json:"app_user_id"`
	Systems   []int  `json:"systems"` // the connected systems' ids, in order
}

// SeededUsers lists the users Options.Population created, in order: user
// i is SeededUsers()[i].
func (s *Server) SeededUsers() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, 0, max(s.opt.Population, 0))
	for i := range max(s.opt.Population, 0) {
		u := s.byID[251+int64(i)]
		out = append(out, User{ID: u.id, AppUserID: u.appUserID, Systems: connected(u)})
	}
	return out
}

func connected(u *user) []int {
	ids := make([]int, 0, len(u.systems))
	for id := range u.systems {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}

// PatientSystems returns the systems seeded patient i is connected to.
// It depends on the seed and i alone, whatever the population.
func (s *Server) PatientSystems(i int) []int {
	_, systems := plan(s.opt.Seed, i)
	return systems
}

// ConnectPatient gives a user seeded patient i's readings and connects
// the systems PatientSystems(i) names, as if the person had connected
// them on the connect page. A test that links vitals' own profile k (whose
// app_user_id is the profile's UID) calls ConnectPatient(uid, k) to give
// that account patient k's data: the same values, under resource ids of
// its own user.
func (s *Server) ConnectPatient(appUserID string, i int) error {
	if i < 0 {
		return fmt.Errorf("oneupsim: patient %d: want 0 or more", i)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[appUserID]
	if !ok {
		return fmt.Errorf("oneupsim: no user %q", appUserID)
	}
	s.connectPatientLocked(u, i, s.now())
	return nil
}

func (s *Server) connectPatientLocked(u *user, i int, at time.Time) {
	if u.variant != i+1 {
		u.variant = i + 1
		// Readings made before were another patient's.
		for _, sys := range s.catalog {
			delete(s.synthMemo, synthKey{u.id, sys.ID})
		}
	}
	_, systems := plan(s.opt.Seed, i)
	for _, id := range systems {
		s.connectAtLocked(u, id, at)
	}
}

// plan draws seeded patient i: how its readings differ from the common
// ones, and which systems it connected. About half have a Withings cuff
// and scale and a third an Omron Connect monitor; most wear a Fitbit or
// a Garmin; a few take their temperature with a Kinsa; seven in ten have
// a health system's records. Everyone has at least one working system.
func plan(seed uint64, i int) (traits, []int) {
	rng := rand.New(rand.NewPCG(seed^0x5eed1a, uint64(i)))
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	tr := traits{bp: u(-18, 22), hr: u(-8, 10), kg: u(-30, 35), steps: u(0.4, 1.5)}
	var systems []int
	switch x := rng.Float64(); {
	case x < 0.5:
		systems = append(systems, Withings)
	case x < 0.85:
		systems = append(systems, OmronConnect)
	}
	switch x := rng.Float64(); {
	case x < 0.4:
		systems = append(systems, Fitbit)
	case x < 0.75:
		systems = append(systems, Garmin)
	}
	if rng.Float64() < 0.15 {
		systems = append(systems, Kinsa)
	}
	switch x := rng.Float64(); {
	case x < 0.3:
		systems = append(systems, EpicTestSite)
	case x < 0.5:
		systems = append(systems, CernerSandbox)
	case x < 0.7:
		systems = append(systems, NorthwindClinic)
	}
	if len(systems) == 0 {
		systems = append(systems, Withings)
	}
	slices.Sort(systems)
	return tr, systems
}
